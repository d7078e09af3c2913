/**
 * Shared test helpers: {@link io.buenavista.testing.WireClient}, a raw wire-protocol script client (with the
 * message builders of {@link io.buenavista.testing.Frontend} and the decoded
 * {@link io.buenavista.testing.BackendMessage}s), and {@link io.buenavista.testing.TestHandler}, a small handler
 * whose statements exercise the core's paths.
 */
package io.buenavista.testing;
