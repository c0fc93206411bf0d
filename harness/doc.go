// Package harness is the engine of ftpconform: it speaks FTP to a server
// under test and records everything a conformance check needs to judge it.
//
// It covers the client side of
//   - RFC 959 (FTP): reply framing (§4.2), the control connection, PORT and
//     PASV data connections and the default data port (§3.2, §4.1.2),
//     transfer reply sequences and the completion reply after a 1yz (§4.2,
//     §5.4), block mode and record structure (§3.4), NLST name lists
//     (§4.1.3), the 257 pathname (Appendix II);
//   - RFC 1123 §4.1: lenient 227 parsing (§4.1.2.6);
//   - RFC 2428: EPRT and EPSV for IPv4 and IPv6, the 229 reply;
//   - RFC 2389: any reply may be multi-line;
//   - RFC 2577: the login probe (wrong passwords, unknown accounts,
//     anonymous login) and data connections from another address;
//   - RFC 4217 and RFC 2228: FTP over TLS, explicit (AUTH TLS) and
//     implicit (ftps://), PBSZ and PROT with TLS on every data connection
//     (the harness is the TLS client in passive and active mode, §7), TLS
//     session resumption between control and data connections (§10.2),
//     CCC (§5), certificate problems in plain words.
//
// The central value is Reply, parsed once from the wire with its raw lines.
// Deviations from the reply grammar are recorded on the Reply as Violations
// instead of aborting, so format checks can judge them while every other
// check still gets the reply. Framing that cannot be recovered (an endless
// line, a reply that never ends, a dead connection) is a *ProtocolError; a
// well-formed reply with an unexpected code is a *ReplyError.
//
// Every network operation takes a context.Context and runs under a deadline,
// so a hostile or broken server yields an error, never a hang. Every line
// sent and received is kept in a Transcript, with PASS arguments replaced by
// "****"; every TLS handshake is noted there with its version, cipher suite,
// resumption and the server's certificate. A TLS failure is a *TLSError
// that says at which stage it happened and of which kind it is (timeout,
// closed, plaintext, certificate, protocol).
//
// harness uses the standard library only and never imports fakeserver.
package harness
