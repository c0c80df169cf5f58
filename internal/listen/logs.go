package listen

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
)

var tokenRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// serveLog serves a deploy log at its unguessable URL. Only tokens the
// journal issued resolve; the file name comes from the journal, never from
// the request.
func (w *workers) serveLog(rw http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if !tokenRE.MatchString(token) {
		http.NotFound(rw, r)
		return
	}
	name, err := w.j.LogFile(r.Context(), token)
	if err != nil || name == "" {
		http.NotFound(rw, r)
		return
	}
	f, err := os.Open(filepath.Join(w.o.StateDir, name))
	if err != nil {
		http.NotFound(rw, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.NotFound(rw, r)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("X-Content-Type-Options", "nosniff")
	rw.Header().Set("Cache-Control", "no-store")
	rw.Header().Set("Referrer-Policy", "no-referrer")
	http.ServeContent(rw, r, "", st.ModTime(), f)
}
