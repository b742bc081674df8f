package testfix

import (
	"sync/atomic"
	"time"
)

// CST is China's time zone.
var CST = time.FixedZone("CST", 8*3600)

// Start is a Beijing morning for a fake clock to start at: in UTC+8, so
// that any place that forgets to convert to UTC shows up.
var Start = time.Date(2025, 3, 10, 9, 0, 0, 0, CST)

// Clock is a fake clock that moves only when told. It is safe to read
// from the goroutines of a concurrency test while the test moves it.
type Clock struct{ now atomic.Pointer[time.Time] }

// NewClock is a clock showing start.
func NewClock(start time.Time) *Clock {
	c := &Clock{}
	c.Set(start)
	return c
}

// Now is the time the clock shows.
func (c *Clock) Now() time.Time { return *c.now.Load() }

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) { c.now.Store(&t) }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// At puts the clock at a minute of a day in China time.
func (c *Clock) At(y int, m time.Month, d, hour, minute int) {
	c.Set(time.Date(y, m, d, hour, minute, 0, 0, CST))
}
