/**
 * Fakes of the remote services the cachedb authenticator calls, speaking real HTTP on 127.0.0.1:
 * {@link io.buenavista.testing.http.FakeOpenIdIssuer} (a JWKS and token minting),
 * {@link io.buenavista.testing.http.FakeUserManagement} and {@link io.buenavista.testing.http.FakePortal}, all on
 * {@link io.buenavista.testing.http.FakeHttpService}, whose answers, latency and outages each test sets and which
 * records every request.
 */
package io.buenavista.testing.http;
