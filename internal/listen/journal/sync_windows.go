package journal

import "os"

func datasync(f *os.File) error { return f.Sync() }

// syncDir does nothing: Windows cannot flush a directory handle, and NTFS
// journals the creation of a file with its metadata.
func syncDir(string) error { return nil }
