// Package stress drives many FTP sessions at once against one server and
// reports what happened, in the manner of imaptest: N sessions, each a
// goroutine with a control connection of its own, log in and loop over a
// weighted mix of operations (LIST, NLST, RETR, STOR, SIZE, MDTM, CWD, PWD,
// NOOP, DELE) until the run's duration ends.
//
// Each session works in a scratch directory of its own, made with MKD when
// it starts and removed (DELE of its files, then RMD) when it ends, also
// after an interruption. Everything a session downloads is verified: it
// keeps the size and SHA-256 of every file it uploaded (the content is a
// function of the session and a sequence number), so a download that
// differs is a corrupt error and a file that is gone a lost one.
//
// The figures are fixed in size whatever the run's length: operations and
// their latency per command in log-linear histograms (Histogram), bytes
// each way, errors by kind (Kind) and by reply code, and what became of
// the sessions (started, refused, completed, failed). The sessions use the
// engine of package harness without transcripts.
package stress
