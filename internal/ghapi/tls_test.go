package ghapi

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

func TestSSLCertFileAddsRoots(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{}}`))
	}))
	defer srv.Close()
	certFile := filepath.Join(t.TempDir(), "ghes-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(certFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	get := func(env map[string]string) error {
		c, err := NewClient(target(t, srv.URL+"/api/v3/"), ClientOptions{Getenv: envMap(env), Retry: RetryPolicy{Attempts: 1}})
		if err != nil {
			return err
		}
		resp, err := c.HTTP.Get(srv.URL + "/api/v3/meta")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(nil); err == nil {
		t.Fatal("a private CA was trusted without SSL_CERT_FILE")
	}
	if err := get(map[string]string{"SSL_CERT_FILE": certFile}); err != nil {
		t.Fatalf("with SSL_CERT_FILE: %v", err)
	}
	if _, err := NewClient(target(t, srv.URL+"/"), ClientOptions{Getenv: envMap(map[string]string{"SSL_CERT_FILE": "/nonexistent"})}); err == nil {
		t.Error("a missing SSL_CERT_FILE was ignored")
	}
}
