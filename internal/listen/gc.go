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
	// rather than let a large live heap grow fivefold. The live heap stays
	// well under it: a few MB at work, plus at most the intake's body budget
	// (intake.BodyBudget, 32 MiB) under a flood of large bodies; so the
	// collector never runs all the time, and the process stays under 100 MiB.
	memoryLimit = 80 << 20
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
