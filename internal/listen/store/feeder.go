package store

// Feeder is a Store that hands out the work itself: a queue several
// listeners share gives each job to one of them. The workers call Feed once,
// when they start; the store then calls submit (which never blocks) with
// each job it gives this listener, also the jobs this listener appended or
// added: neither the intake nor the workers submit those themselves, since
// another listener may be the one to do them.
type Feeder interface {
	Feed(submit func(*Job))
}

// Feeds reports whether s hands out the work (a Feeder).
func Feeds(s Store) bool {
	_, ok := s.(Feeder)
	return ok
}
