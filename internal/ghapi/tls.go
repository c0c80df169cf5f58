package ghapi

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"runtime"
)

// linuxBundles are where Linux distributions keep the system roots (the
// list Go's crypto/x509 reads when SSL_CERT_FILE is unset).
var linuxBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/cert.pem",
}

// transportWithExtraRoots returns a transport that trusts the system roots
// plus the certificates in the file named by SSL_CERT_FILE (a GHES host
// with a private CA). Go alone would trust that file instead of the system
// roots on Linux, which breaks every other host.
func transportWithExtraRoots(getenv Env) (http.RoundTripper, error) {
	file := getenv("SSL_CERT_FILE")
	if file == "" {
		return http.DefaultTransport, nil
	}
	extra, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("SSL_CERT_FILE: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if runtime.GOOS == "linux" {
		for _, b := range linuxBundles {
			if pem, err := os.ReadFile(b); err == nil {
				pool.AppendCertsFromPEM(pem)
				break
			}
		}
	}
	if !pool.AppendCertsFromPEM(extra) {
		return nil, fmt.Errorf("SSL_CERT_FILE %s holds no PEM certificate", file)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return t, nil
}
