package listen

import (
	"net"
	"sync"
)

// maxConnections bounds the connections served at once; more wait in the
// kernel's accept queue. GitHub opens one per delivery and answers come in
// milliseconds, so a thousand is far more than a busy organisation
// needs, and it bounds what idle or slow connections cost (each one's
// goroutine and buffers) whoever opens them.
const maxConnections = 1024

// limitListener accepts a connection only while fewer than its capacity are
// open. When they are all taken it has the server close its idle ones
// (crowded): a client's pool of kept-alive connections would otherwise keep
// every new one waiting.
type limitListener struct {
	net.Listener
	slots   chan struct{}
	crowded func(bool)
}

func limitConnections(l net.Listener, n int, crowded func(bool)) net.Listener {
	return &limitListener{Listener: l, slots: make(chan struct{}, n), crowded: crowded}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	default:
		l.crowded(true)
		l.slots <- struct{}{}
		l.crowded(false)
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
}

type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
