package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Delivery is one delivery to send.
type Delivery struct {
	URL     string
	Event   string // X-GitHub-Event
	ID      string // X-GitHub-Delivery (default: a new UUID)
	Payload []byte
	// Secret signs the body (X-Hub-Signature-256 and the legacy SHA-1
	// X-Hub-Signature); empty sends it unsigned, as a hook without a secret.
	Secret string
	HookID int64
	// RepoID is the X-GitHub-Hook-Installation-Target-ID (a repository hook).
	RepoID int64
}

// Response is the receiver's answer.
type Response struct {
	DeliveryID string
	StatusCode int
	Status     string
	Body       []byte // at most 64 KiB
	Duration   time.Duration
}

// Timeout is how long GitHub waits for a receiver.
const Timeout = 10 * time.Second

// Signature is the X-Hub-Signature-256 value of body under secret.
func Signature(secret string, body []byte) string { return sign(sha256.New, secret, body) }

func sign(h func() hash.Hash, secret string, body []byte) string {
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	name := "sha256="
	if m.Size() == sha1.Size {
		name = "sha1="
	}
	return name + hex.EncodeToString(m.Sum(nil))
}

// Send posts d as GitHub does (its headers, a signature, a 10 s timeout).
func Send(ctx context.Context, client *http.Client, d Delivery) (Response, error) {
	if d.ID == "" {
		d.ID = NewDeliveryID()
	}
	if client == nil {
		client = &http.Client{}
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return Response{DeliveryID: d.ID}, err
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "GitHub-Hookshot/deployctl")
	h.Set("X-GitHub-Event", d.Event)
	h.Set("X-GitHub-Delivery", d.ID)
	if d.HookID != 0 {
		h.Set("X-GitHub-Hook-ID", strconv.FormatInt(d.HookID, 10))
	}
	h.Set("X-GitHub-Hook-Installation-Target-Type", "repository")
	if d.RepoID != 0 {
		h.Set("X-GitHub-Hook-Installation-Target-ID", strconv.FormatInt(d.RepoID, 10))
	}
	if d.Secret != "" {
		h.Set("X-Hub-Signature", sign(sha1.New, d.Secret, d.Payload))
		h.Set("X-Hub-Signature-256", Signature(d.Secret, d.Payload))
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return Response{DeliveryID: d.ID}, fmt.Errorf("delivery %s: %w", d.ID, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return Response{DeliveryID: d.ID, StatusCode: resp.StatusCode, Status: resp.Status, Body: body, Duration: time.Since(start)}, nil
}
