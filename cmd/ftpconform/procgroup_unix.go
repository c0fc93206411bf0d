//go:build unix

package main

import "syscall"

// workerProcAttr puts a worker of a parallel run in a process group of
// its own. Ctrl-C on a terminal signals the whole foreground process
// group; in it, a worker would get the signal from the terminal and again
// from its coordinator, which passes signals on, and ginkgo takes a
// second signal for "skip the cleanup": the scratch directories of the
// checks under way would stay on the server.
func workerProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
