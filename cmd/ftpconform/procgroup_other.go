//go:build !unix

package main

import "syscall"

// workerProcAttr: see procgroup_unix.go; elsewhere the workers start in
// the coordinator's process group.
func workerProcAttr() *syscall.SysProcAttr { return nil }
