/** Shared test helpers: a raw wire-protocol script client and a small test handler. */
package io.buenavista.testing;
