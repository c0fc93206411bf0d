package stress

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram counts durations in microseconds in log-linear buckets: one
// bucket per microsecond below 64 µs, then 32 buckets for each power of
// two, so that a bucket is at most 1/32 (about 3 %) as wide as the values
// it holds. Values from 2^32 µs (about 71 minutes) on share the last
// bucket; the maximum is kept exactly. It takes a fixed 7 KiB however many
// values it counts, and it is safe for concurrent use.
type Histogram struct {
	buckets [histBuckets]atomic.Uint64
	count   atomic.Uint64
	sum     atomic.Uint64 // microseconds
	max     atomic.Uint64 // microseconds
}

const (
	histExact   = 64 // values below are counted exactly
	histSub     = 32 // buckets per power of two above histExact
	histTop     = 32 // values from 1<<histTop µs on go to the last bucket
	histBuckets = histExact + (histTop-6)*histSub
)

// bucketOf returns the bucket that counts v microseconds.
func bucketOf(v uint64) int {
	if v < histExact {
		return int(v)
	}
	if v >= 1<<histTop {
		return histBuckets - 1
	}
	e := bits.Len64(v) - 6 // v>>e lies in [32, 63]
	return histExact + (e-1)*histSub + int(v>>e) - histSub
}

// bucketRange returns the values bucket i counts: lo <= v < hi.
func bucketRange(i int) (lo, hi uint64) {
	if i < histExact {
		return uint64(i), uint64(i) + 1
	}
	e := (i-histExact)/histSub + 1
	m := uint64((i-histExact)%histSub + histSub)
	return m << e, (m + 1) << e
}

// Record counts one duration (negative ones as zero).
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0) / time.Microsecond)
	h.buckets[bucketOf(v)].Add(1)
	h.count.Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Count is the number of durations recorded.
func (h *Histogram) Count() uint64 { return h.count.Load() }

// Max is the longest duration recorded, to the microsecond.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) * time.Microsecond }

// Mean is the average duration recorded.
func (h *Histogram) Mean() time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load()/n) * time.Microsecond
}

// Quantile returns the duration below which a fraction q (0 < q <= 1) of
// the recorded durations lie: the middle of the bucket that holds the
// value of rank ceil(q*count), never more than Max (Max itself for the
// last bucket, which has no upper end). Its error is at most
// half a bucket: 1 µs below 64 µs, about 1.6 % above. Zero when nothing
// was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen < rank {
			continue
		}
		if i == histBuckets-1 {
			return h.Max() // the open-ended last bucket
		}
		lo, hi := bucketRange(i)
		v := lo
		if hi-lo > 1 {
			v = lo + (hi-lo)/2
		}
		return time.Duration(min(v, h.max.Load())) * time.Microsecond
	}
	// Records that landed after the count was read.
	return h.Max()
}

// Latency is a summary of a Histogram, in milliseconds for JSON.
type Latency struct {
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// Summary returns the quantiles, maximum and mean of h.
func (h *Histogram) Summary() Latency {
	return Latency{P50: ms(h.Quantile(0.50)), P90: ms(h.Quantile(0.90)), P99: ms(h.Quantile(0.99)), Max: ms(h.Max()), Mean: ms(h.Mean())}
}

// ms is d in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
