package pgtest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestStartServesOnASocketOnlyAndCleansUp(t *testing.T) {
	var s *Server
	t.Run("cluster", func(t *testing.T) {
		s = Start(t, "work_mem = '8MB'")
		if url := s.NewDatabase(t); url != s.URL("test_1") {
			t.Errorf("NewDatabase = %q, want URL(test_1) = %q", url, s.URL("test_1"))
		}
		got := s.Psql(t, "test_1", "SELECT current_database() || ' [' || current_setting('listen_addresses') || '] ' || "+
			"current_setting('work_mem') || ' ' || current_setting('fsync')")
		if want := "test_1 [] 8MB off"; got != want {
			t.Errorf("database, listen_addresses, work_mem, fsync = %q, want %q", got, want)
		}
		if _, err := os.Stat(filepath.Join(s.SocketDir, ".s.PGSQL.5432")); err != nil {
			t.Errorf("no Unix socket: %v", err)
		}
	})
	if s == nil {
		t.Fatal("no server")
	}
	select {
	case <-s.exited:
	default:
		t.Error("postgres still running after the test")
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s still there after the test: %v", s.Dir, err)
	}
}
