package listen

import "runtime/debug"

const (
	// gcPercent is GOGC for a listener. A burst of deliveries allocates
	// about 14 KB each (headers, the decoded payload's strings, log lines)
	// against a live heap of a few MB, so at Go's default of 100 the
	// collector runs hundreds of times a second; at 400 the listener takes
	// about 8% less CPU a delivery (wrk, 2 cores) for a heap of up to five
	// times the live one, still far under the 100 MiB the issue allows.
	gcPercent = 400
	// memoryLimit is the soft limit past which the collector works harder
	// rather than let a large live heap grow fivefold. It is well above the
	// heap of a listener at work (~35 MiB at 1,000 deliveries/s), since a
	// live heap past it makes the collector run nearly all the time (up to
	// half the CPU): that takes a flood of near-25 MiB bodies at once.
	memoryLimit = 128 << 20
)

// TuneGC sets the collector for a long-running listener, unless the
// environment's GOGC or GOMEMLIMIT says otherwise.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
