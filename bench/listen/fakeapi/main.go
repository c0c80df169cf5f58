// Command fakeapi serves the project's fake GitHub (internal/githubtest) on
// a fixed address, so the listener's workers have an API to create
// deployments in while the benchmark runs.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/deployctl/gh-deployctl/internal/githubtest"
)

func main() {
	repo := flag.String("repo", "github-slack/app", "repository the benchmark payload names")
	branch := flag.String("default-branch", "master", "its default branch")
	flag.Parse()
	s := githubtest.New(githubtest.Options{})
	s.AddRepo(*repo, *branch)
	fmt.Println(s.URL())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	s.Close()
}
