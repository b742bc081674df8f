//go:build race

package testfix

// Slowdown is how many times slower code runs in this build: up to 20
// under the race detector (Go's documentation says 2–20×; the SQLite
// driver here is near the top). A test that times work scales its budget
// by it; the budget itself is checked by the normal run.
const Slowdown = 20
