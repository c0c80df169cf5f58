package githubtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file is GitHub's webhook side: repository hooks that get every event of the fake, signed, in order.

// hookTimeout is how long GitHub waits for a webhook receiver.
const hookTimeout = 10 * time.Second

// Hook is a repository webhook. Set ContentType before events happen.
type Hook struct {
	ID          int64
	URL         string
	Secret      string
	ContentType string // "json" (application/json, the default) or "form" (application/x-www-form-urlencoded payload=...)

	s      *Server
	client *http.Client
	mu     sync.Mutex
	queue  []queued
	wake   chan struct{}
	done   chan struct{}
	once   sync.Once
}

type queued struct {
	id, event string
	payload   []byte
}

// Delivery is one attempt to deliver an event to a hook.
type Delivery struct {
	ID         string // X-GitHub-Delivery (kept on redelivery)
	HookID     int64
	Event      string // X-GitHub-Event
	Payload    []byte // the JSON payload (the form body wraps it as payload=...)
	StatusCode int    // the receiver's answer; 0 when Err is set
	Err        error
	Redelivery bool
}

type event struct {
	name    string
	payload obj
}

// queueEvent records an event to send once the current request's state change is complete. Caller holds s.mu.
func (s *Server) queueEvent(name string, payload obj) {
	if s.pending != nil {
		*s.pending = append(*s.pending, event{name, payload})
	}
}

// emit queues events on every hook. Call without s.mu.
func (s *Server) emit(events []event) {
	if len(events) == 0 {
		return
	}
	s.hooksMu.Lock()
	hooks := append([]*Hook(nil), s.hooks...)
	s.hooksMu.Unlock()
	for _, e := range events {
		b, err := json.Marshal(e.payload)
		if err != nil {
			panic(err)
		}
		for _, h := range hooks {
			h.enqueue(queued{id: newUUID(), event: e.name, payload: b})
		}
	}
}

// Subscribe adds a webhook: every later event of the fake is POSTed to url, signed with secret, asynchronously
// and in order.
func (s *Server) Subscribe(url, secret string) *Hook {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.nextHookID++
	h := &Hook{
		ID: 400000000 + s.nextHookID, URL: url, Secret: secret, ContentType: "json", s: s,
		client: &http.Client{Timeout: hookTimeout},
		wake:   make(chan struct{}, 1), done: make(chan struct{}),
	}
	s.hooks = append(s.hooks, h)
	go h.run()
	return h
}

func (h *Hook) enqueue(q queued) {
	h.mu.Lock()
	h.queue = append(h.queue, q)
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *Hook) run() {
	for {
		h.mu.Lock()
		if len(h.queue) == 0 {
			h.mu.Unlock()
			select {
			case <-h.wake:
				continue
			case <-h.done:
				return
			}
		}
		q := h.queue[0]
		h.queue = h.queue[1:]
		h.mu.Unlock()
		h.s.record(h.send(q.id, q.event, q.payload))
	}
}

func (h *Hook) stop() { h.once.Do(func() { close(h.done) }) }

func (h *Hook) send(id, event string, payload []byte) Delivery {
	d := Delivery{ID: id, HookID: h.ID, Event: event, Payload: payload}
	body, ctype := payload, "application/json"
	if h.ContentType == "form" {
		body, ctype = []byte(url.Values{"payload": {string(payload)}}.Encode()), "application/x-www-form-urlencoded"
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-h.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		d.Err = err
		return d
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "GitHub-Hookshot/fake0001")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-GitHub-Hook-ID", strconv.FormatInt(h.ID, 10))
	req.Header.Set("X-GitHub-Hook-Installation-Target-Type", "repository")
	if h.Secret != "" {
		req.Header.Set("X-Hub-Signature", "sha1="+sign(sha1.New, h.Secret, body))
		req.Header.Set("X-Hub-Signature-256", "sha256="+sign(sha256.New, h.Secret, body))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		d.Err = err
		return d
	}
	defer resp.Body.Close()
	d.StatusCode = resp.StatusCode
	return d
}

func sign(newHash func() hash.Hash, secret string, body []byte) string {
	m := hmac.New(newHash, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) record(d Delivery) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.deliveries = append(s.deliveries, d)
	close(s.deliveryCh)
	s.deliveryCh = make(chan struct{})
}

// Deliveries returns the finished deliveries (and redeliveries), in the order they finished.
func (s *Server) Deliveries() []Delivery {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// WaitDeliveries waits until at least n deliveries have finished, or timeout passes.
func (s *Server) WaitDeliveries(n int, timeout time.Duration) ([]Delivery, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.hooksMu.Lock()
		got, ch := append([]Delivery(nil), s.deliveries...), s.deliveryCh
		s.hooksMu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return got, fmt.Errorf("githubtest: %d of %d deliveries after %v", len(got), n, timeout)
		}
	}
}

// Deliver sends an arbitrary event payload to every hook now, signed, and returns the first hook's delivery.
func (s *Server) Deliver(event string, payload []byte) (Delivery, error) {
	s.hooksMu.Lock()
	hooks := append([]*Hook(nil), s.hooks...)
	s.hooksMu.Unlock()
	if len(hooks) == 0 {
		return Delivery{}, errors.New("githubtest: Deliver: no hook subscribed")
	}
	var first Delivery
	for i, h := range hooks {
		d := h.send(newUUID(), event, payload)
		s.record(d)
		if i == 0 {
			first = d
		}
	}
	return first, first.Err
}

// Redeliver sends a delivery again, as GitHub's "Redeliver" does: same hook, same body, same X-GitHub-Delivery.
func (s *Server) Redeliver(id string) (Delivery, error) {
	s.hooksMu.Lock()
	var orig *Delivery
	for i := range s.deliveries {
		if s.deliveries[i].ID == id {
			orig = &s.deliveries[i]
			break
		}
	}
	var hook *Hook
	if orig != nil {
		for _, h := range s.hooks {
			if h.ID == orig.HookID {
				hook = h
			}
		}
	}
	s.hooksMu.Unlock()
	if orig == nil || hook == nil {
		return Delivery{}, fmt.Errorf("githubtest: Redeliver: no delivery %q", id)
	}
	d := hook.send(orig.ID, orig.Event, orig.Payload)
	d.Redelivery = true
	s.record(d)
	return d, d.Err
}

// MergePullRequest records a merged pull request (head branch at headSHA merged into base by author) and
// emits pull_request action=closed with merged=true. The base branch moves to a new merge commit.
func (s *Server) MergePullRequest(repo string, number int, headRef, headSHA, base, author string) {
	s.mu.Lock()
	r := s.repos[strings.ToLower(repo)]
	if r == nil {
		r = s.addRepoLocked(repo, base)
	}
	if _, ok := r.branches[headRef]; !ok {
		r.branches[headRef] = strings.ToLower(headSHA)
	}
	baseSHA := r.branches[base]
	mergeSHA := fakeSHA("merge-pr", repo, strconv.Itoa(number), headSHA)
	r.branches[base] = mergeSHA
	now := s.tick()
	u := s.URL()
	api := u + "/repos/" + r.FullName()
	web := "https://github.com/" + r.FullName()
	repoJSON := s.repoJSON(u, r)
	author_ := s.userJSON(u, author)
	n := strconv.Itoa(number)
	pr := obj{
		"url": api + "/pulls/" + n, "id": 100000 + number, "node_id": nodeID("PullRequest", int64(number)),
		"html_url": web + "/pull/" + n, "number": number, "state": "closed", "locked": false,
		"title": "Pull request #" + n, "user": author_, "body": nil,
		"created_at": ts(now.Add(-time.Hour)), "updated_at": ts(now), "closed_at": ts(now), "merged_at": ts(now),
		"merge_commit_sha": mergeSHA, "draft": false, "merged": true, "mergeable": nil, "merged_by": author_,
		"head":    obj{"label": r.owner + ":" + headRef, "ref": headRef, "sha": strings.ToLower(headSHA), "user": s.userJSON(u, r.owner), "repo": repoJSON},
		"base":    obj{"label": r.owner + ":" + base, "ref": base, "sha": baseSHA, "user": s.userJSON(u, r.owner), "repo": repoJSON},
		"commits": 1, "additions": 1, "deletions": 0, "changed_files": 1,
	}
	payload := obj{"action": "closed", "number": number, "pull_request": pr, "repository": repoJSON, "sender": author_}
	r.pulls = append(r.pulls, pr)
	s.mu.Unlock()
	s.emit([]event{{"pull_request", payload}})
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
