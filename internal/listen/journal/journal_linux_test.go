package journal_test

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/deployctl/gh-deployctl/internal/listen/journal"
	"github.com/deployctl/gh-deployctl/internal/listen/store"
)

// TestRecoversWhenSpaceReturns (D3): while the journal's file cannot grow
// (a full disk, here the file size limit), writes fail and Check says so;
// once it can, writes succeed again and Check is nil, without a restart.
func TestRecoversWhenSpaceReturns(t *testing.T) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	j := open(t, dir)
	st, _ := os.Stat(dir + "/" + journal.FileName)
	// Writing past the limit fails with EFBIG; the signal it also sends is
	// ignored by Go programs.
	limit := old
	limit.Cur = uint64(st.Size())
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &limit); err != nil {
		t.Skip(err)
	}
	restore := func() {
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Fatal(err)
		}
	}
	defer restore()
	big := strings.Repeat("x", 64<<10)
	var failed error
	for i := 0; i < 200 && failed == nil; i++ {
		d := mergeDelivery(fmt.Sprint("full-", i))
		d.Job.Merge.Author = big // a page of its own: the file must grow
		_, failed = j.Append(ctx, d)
	}
	if failed == nil {
		t.Fatal("no write failed with the file unable to grow")
	}
	if err := j.Check(ctx); err == nil {
		t.Fatal("Check is nil while writes fail")
	}
	restore()
	if err := j.Check(ctx); err != nil {
		t.Fatalf("Check after space returned: %v", err)
	}
	if dup, err := j.Append(ctx, &store.Delivery{ID: "after"}); dup || err != nil {
		t.Fatalf("append after space returned: dup=%v err=%v", dup, err)
	}
	j.Close()
	j = open(t, dir)
	if seen, _ := j.Seen("after"); !seen {
		t.Fatal("the delivery accepted after the failure is lost")
	}
}
