//go:build !windows && !(unix && !aix && !solaris)

package journal

import "os"

func tryLock(*os.File) (bool, error) { return false, errNoDirLock }
