//go:build !windows

package journal

import "os"

// syncDir makes the directory's entries (a new log segment) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
