package cmdutil

import (
	"os"
	"strings"

	"github.com/google/shlex"
)

// StartPager pages what the command prints to a terminal through GH_PAGER,
// else PAGER, as gh does ("" or "cat" turns it off; less gets LESS=FRX, so
// a short list is printed as it is). The returned func waits for the
// pager; call it when the output is done.
func (o *APIOptions) StartPager() func() {
	if !o.IO.IsStdoutTTY() {
		return func() {}
	}
	cmd, ok := o.lookup("GH_PAGER")
	if !ok {
		cmd = o.Getenv("PAGER")
	}
	argv, err := shlex.Split(cmd)
	if err != nil || len(argv) == 0 || argv[0] == "cat" {
		return func() {}
	}
	env := os.Environ()
	if o.Getenv("LESS") == "" {
		env = append(env, "LESS=FRX")
	}
	if o.Getenv("LV") == "" {
		env = append(env, "LV=-c")
	}
	if err := o.IO.StartPager(argv, env); err != nil {
		o.IO.ErrOut.Write([]byte("warning: pager " + strings.Join(argv, " ") + ": " + err.Error() + "\n"))
		return func() {}
	}
	return o.IO.StopPager
}

func (o *APIOptions) lookup(name string) (string, bool) {
	if o.LookupEnv != nil {
		return o.LookupEnv(name)
	}
	v := o.Getenv(name)
	return v, v != ""
}
