package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/deployctl/gh-deployctl/internal/cmdutil"
)

// applyConfig gives every flag the user did not set its value from, in
// order, DEPLOYCTL_<FLAG>, the config file's section for this command, and
// the config file's top level. It runs once, before the command, so
// commands only ever read their Options.
//
// warn, when not nil, is told about keys of the config file that are no
// command's flag or section (a typo such as "limt: 5" is otherwise silently
// ignored).
func applyConfig(c *cobra.Command, f *cmdutil.Factory, configFlag string, warn io.Writer) error {
	v := viper.New()
	path, explicit := configFlag, configFlag != ""
	if !explicit {
		var set bool
		if path, set = f.Lookup("DEPLOYCTL_CONFIG"); set && strings.TrimSpace(path) == "" {
			return cmdutil.Usagef("DEPLOYCTL_CONFIG (for --config) must not be empty: give it a value or leave it out")
		}
		explicit = path != ""
	}
	if !explicit {
		dir := f.Getenv("XDG_CONFIG_HOME")
		if dir == "" {
			home := f.Getenv("HOME")
			if home == "" {
				home, _ = os.UserHomeDir()
			}
			dir = filepath.Join(home, ".config")
		}
		path = filepath.Join(dir, "deployctl", "config.yaml")
	}
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		var notFound *fs.PathError
		if explicit || !errors.As(err, &notFound) {
			return cmdutil.Usagef("config file %s: %v", path, err)
		}
	}
	if warn != nil && v.ConfigFileUsed() != "" {
		for _, key := range unknownKeys(c.Root(), v.AllKeys()) {
			fmt.Fprintf(warn, "warning: %s: unknown key %q (not a flag or command of deployctl); it is ignored\n", path, key)
		}
	}
	section := configSection(c)

	var errs []error
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if fl.Changed || fl.Name == "help" || fl.Name == "version" || fl.Name == "config" {
			return
		}
		env := "DEPLOYCTL_" + strings.ToUpper(strings.ReplaceAll(fl.Name, "-", "_"))
		value, ok := f.Lookup(env)
		from, source := env, cmdutil.FromEnv
		if !ok {
			for i, key := range []string{section + "." + fl.Name, fl.Name} {
				if strings.HasPrefix(key, ".") || !v.IsSet(key) {
					continue
				}
				value, from, ok = configString(v.Get(key)), path+": "+key, true
				source = []int{cmdutil.FromConfigSection, cmdutil.FromConfigTop}[i]
				break
			}
		}
		if !ok {
			return
		}
		if err := c.Flags().Set(fl.Name, value); err != nil {
			errs = append(errs, fmt.Errorf("%s: invalid value for --%s: %v", from, fl.Name, err))
			return
		}
		if fl.Annotations == nil {
			fl.Annotations = map[string][]string{}
		}
		fl.Annotations[cmdutil.SourceAnnotation] = []string{strconv.Itoa(source)}
		fl.Annotations[cmdutil.FromAnnotation] = []string{from}
	})
	if len(errs) > 0 {
		return &cmdutil.UsageError{Err: errors.Join(errs...)}
	}
	return cmdutil.CheckEmptyFlags(c)
}

// unknownKeys are the config file's keys (viper's, lower case, dotted for
// sections) that name neither a flag of some command, at the top level, nor
// a flag of the command whose section holds them.
func unknownKeys(root *cobra.Command, keys []string) []string {
	anyFlag := map[string]bool{}
	sections := map[string]*cobra.Command{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(fl *pflag.Flag) { anyFlag[fl.Name] = true })
		c.PersistentFlags().VisitAll(func(fl *pflag.Flag) { anyFlag[fl.Name] = true })
		if s := configSection(c); s != "" {
			sections[s] = c
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	var out []string
	for _, key := range keys {
		i := strings.LastIndex(key, ".")
		if i < 0 {
			if !anyFlag[key] {
				out = append(out, key)
			}
			continue
		}
		c, ok := sections[key[:i]]
		if !ok {
			out = append(out, key)
			continue
		}
		name := key[i+1:]
		if c.Flags().Lookup(name) == nil && c.InheritedFlags().Lookup(name) == nil && root.PersistentFlags().Lookup(name) == nil {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// configSection is the config file's key for c's own settings: "create",
// "status.set"; "" for the root. It is built from command names, not
// CommandPath, which starts with the display name ("gh deployctl") when gh
// runs us as an extension.
func configSection(c *cobra.Command) string {
	var names []string
	for ; c.HasParent(); c = c.Parent() {
		names = append([]string{c.Name()}, names...)
	}
	return strings.Join(names, ".")
}

// configString renders a YAML value as the flag text it stands for; lists
// become comma-separated.
func configString(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		return ""
	default:
		return fmt.Sprint(x)
	}
}
