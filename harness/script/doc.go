// Package script reads and runs scripted FTP scenarios: conformance checks
// that users write themselves, one per *.ftp file, a step per line, in the
// spirit of imaptest's scripted tests.
//
//	# Resuming a download with REST.
//	title: RETR after REST 40000 sends the file from its octet 40000 on
//	id: RFC3659-5.1-REST-OFFSET
//	needs: REST STREAM
//
//	connect
//	login
//	send TYPE I
//	expect 200
//	data passive
//	send STOR {scratch}/resume.bin
//	expect 125|150
//	upload random 100000
//	expect 226|250
//	data passive
//	send REST 40000
//	expect 350
//	send RETR {scratch}/resume.bin
//	expect 125|150
//	download
//	expect 226|250
//	compare last random 100000 from 40000
//	quit
//
// A file starts with a header of "key: value" lines (title, id, level,
// labels, needs, quote), then its steps: connect, login, send, expect,
// capture, set, data, upload, write, close-data, download, compare, quit
// and sleep, each optionally addressed to a named control connection with
// an "@NAME " prefix. docs/scripts.md describes the grammar in full.
//
// Parse, LoadDir and LoadFS check a scenario completely before anything is
// sent (syntax, regexps, variables defined before use, captures used,
// connections connected before use, a data step before each transfer,
// fixtures present) and report every problem of a file as
// "file:line: what is wrong" in an ErrorList. Script.Run then runs the
// steps against a server through package harness, and returns a *Failure
// naming the line of the first expectation that did not hold:
//
//	examples/scripts/rest-resume.ftp:27: expected 350, got 502 "502 REST not implemented"
//
// The scenarios cover whatever their authors write; the harness beneath
// speaks RFC 959 with the data connections of RFC 959 and RFC 2428
// (PASV, EPSV, PORT, EPRT) and FTPS as RFC 4217 describes it.
package script
