//go:build !linux

package listen

func nonDumpable() error { return nil }
