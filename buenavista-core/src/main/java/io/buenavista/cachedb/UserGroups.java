package io.buenavista.cachedb;

import java.util.Set;
import java.util.UUID;

/**
 * A user's roles as user management reports them ({@code alp_role_system_admin},
 * {@code alp_role_study_researcher}).
 *
 * @param systemAdmin       may use everything
 * @param researcherOf      the datasets the user may read
 */
record UserGroups(boolean systemAdmin, Set<UUID> researcherOf) {
    UserGroups {
        researcherOf = Set.copyOf(researcherOf);
    }
}
