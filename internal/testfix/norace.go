//go:build !race

package testfix

// Slowdown is how many times slower code runs in this build: 1 without the
// race detector (see race.go).
const Slowdown = 1
