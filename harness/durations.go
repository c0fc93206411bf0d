package harness

import (
	"slices"
	"time"
)

// Median returns the median of ds (the upper one of an even count), or 0
// for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// Millis renders a duration for a message: rounded to milliseconds, or to
// 10 µs below 10 ms ("1.234s", "512ms", "3.46ms").
func Millis(d time.Duration) string {
	if d < 10*time.Millisecond {
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
