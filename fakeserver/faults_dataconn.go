package fakeserver

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Faults and legal variations of data-connection set-up (PORT, PASV, EPRT,
// EPSV, EPSV ALL, the default data port) and of the data connection's
// life cycle. Most replace one command through the override hook; the
// rest declare the transfer hooks beforePrelim, prelim and closeConn, or
// defaultData.

// Fault names.
const (
	faultEpsvWrongCode            = "epsv-wrong-code"
	faultEpsvOwnFamilyRefused     = "epsv-own-family-refused"
	faultEpsvOtherFamilyPhantom   = "epsv-other-family-phantom"
	faultEpsvUnknownProtoAccepted = "epsv-unknown-proto-accepted"
	faultBadProtocolNoList        = "bad-protocol-no-list"
	faultBadProtocolParens        = "bad-protocol-parens-in-text"
	faultEpsvAllIgnoredEPRT       = "epsv-all-ignored-for-eprt"
	faultEpsvAllIgnoredPORT       = "epsv-all-ignored-for-port"
	faultEpsvAllIgnoredPASV       = "epsv-all-ignored-for-pasv"
	faultEpsvAllBreaksEPSV        = "epsv-all-breaks-epsv"
	faultEpsvAllRefused           = "epsv-all-refused"
	faultEpsvGarbage425           = "epsv-garbage-425"
	faultAborKeepsListener        = "abor-keeps-listener"
	faultEprtDelimiterMisparsed   = "eprt-delimiter-misparsed"
	faultEprtLaxAddress           = "eprt-lax-address"
	faultEprtFamilyMismatch425    = "eprt-family-mismatch-425"
	faultEprtUnknownProtoAccepted = "eprt-unknown-proto-accepted"
	faultPortFirstOnly            = "port-first-only"
	faultDialFailure226           = "dial-failure-226"
	faultPortChangeKeepsData      = "port-change-keeps-old-data"
	faultPortChangeKeepsListener  = "port-change-keeps-old-listener"
	faultActiveChangeKeepsData    = "active-change-keeps-passive-data"
	faultListDataLeftOpen         = "list-data-left-open"
	faultDefaultPortPhantom       = "default-port-phantom"
	faultDefaultPortWrongIP       = "default-port-wrong-ip"
	faultPortLaxParse             = "port-lax-parse"
	faultPortBeforeLogin          = "port-before-login"
	faultPortZeroByteRefused      = "port-zero-byte-refused"
	faultPasvArg425               = "pasv-arg-425"
	faultPasvBeforeLogin          = "pasv-before-login"
	faultActiveDataBeforePrelim   = "active-data-before-prelim"
)

// Variation names.
const (
	varPrelim150Always    = "prelim-150-always"
	varActiveConnectFirst = "active-connect-first"
	varDataOpenLate       = "data-open-late"
)

// lateOpen is how long the data-open-late variation waits after the
// preliminary reply before it takes the passive connection or dials.
const lateOpen = 40 * time.Millisecond

// leftOpenFor is how long the list-data-left-open fault keeps a finished
// LIST data connection open after its 226.
const leftOpenFor = 3 * time.Second

// prelimDelay is how long active-data-before-prelim waits, after the data
// has gone out and the connection is closed, before the 150.
const prelimDelay = 1600 * time.Millisecond

func init() {
	faultRegistry = append(faultRegistry,
		Fault{Name: faultEpsvWrongCode,
			Description: "EPSV is answered \"200 Entering Extended Passive Mode (|||port|)\" instead of 229",
			Breaks:      []string{"RFC2428-3-EPSV-229"},
			override: func(s *session, r *request) bool {
				if r.verb != "EPSV" || r.arg != "" || !s.loggedIn {
					return false
				}
				if port, ok := s.setupPassive(); ok {
					s.reply(codeOK, extendedModeText(port))
				}
				return true
			}},
		Fault{Name: faultEpsvOwnFamilyRefused,
			Description: "\"EPSV 1\" on IPv4 (\"EPSV 2\" on IPv6), the control connection's own protocol, is refused with 522",
			Breaks:      []string{"RFC2428-3-EPSV-PROTO-ARG/same-family", "RFC2428-3-EPSV-SYNTAX"},
			override: func(s *session, r *request) bool {
				if r.verb != "EPSV" || r.arg != strconv.Itoa(s.family()) || !s.loggedIn {
					return false
				}
				s.replyBadProtocol()
				return true
			}},
		Fault{Name: faultEpsvOtherFamilyPhantom,
			Description: "\"EPSV 2\" on IPv4 (\"EPSV 1\" on IPv6) is answered 229 with a port on which nothing listens",
			Breaks:      []string{"RFC2428-3-EPSV-PROTO-ARG/other-family"},
			override: func(s *session, r *request) bool {
				if r.verb != "EPSV" || !s.loggedIn || (r.arg != "1" && r.arg != "2") || r.arg == strconv.Itoa(s.family()) {
					return false
				}
				ln, err := s.listenPassive()
				if err != nil {
					s.reply(codeCantOpenData, "Cannot open a passive data port.")
					return true
				}
				port := ln.Addr().(*net.TCPAddr).Port
				ln.Close()
				s.closeData()
				s.data = &dataSetting{dead: true, port: port}
				s.reply(codeEnteringEPSV, extendedModeText(port))
				return true
			}},
		Fault{Name: faultEpsvUnknownProtoAccepted,
			Description: "EPSV with an unknown protocol number (\"EPSV 7\") is treated as a plain EPSV and answered 229",
			Breaks:      []string{"RFC2428-3-EPSV-PROTO-ARG/unknown"},
			override: func(s *session, r *request) bool {
				if r.verb != "EPSV" || !s.loggedIn || !isDigits(r.arg) || r.arg == "1" || r.arg == "2" {
					return false
				}
				s.cmdEPSV(&request{verb: "EPSV", prev: r.prev})
				return true
			}},
		Fault{Name: faultBadProtocolNoList,
			Description: "522 replies to EPSV and EPRT read \"Network protocol not supported.\" without the list of supported protocols",
			Breaks:      []string{"RFC2428-2-522-TEXT/epsv", "RFC2428-2-522-TEXT/eprt"},
			override:    replyInstead("EPSV EPRT", codeBadProtocol, "Network protocol not supported.", namesOtherProtocol),
		},
		Fault{Name: faultBadProtocolParens,
			Description: "522 replies to EPSV and EPRT carry a parenthesis in the human text before the protocol list: \"Network protocol (address family) not supported, use (1)\"",
			Breaks:      []string{"RFC2428-2-522-TEXT/epsv", "RFC2428-2-522-TEXT/eprt"},
			override: insteadOf("EPSV EPRT", namesOtherProtocol, func(s *session, r *request) {
				s.reply(codeBadProtocol, fmt.Sprintf("Network protocol (address family) not supported, use (%d)", s.family()))
			}),
		},
		Fault{Name: faultEpsvAllIgnoredEPRT,
			Description: "after EPSV ALL, EPRT is still accepted (PORT and PASV are refused)",
			Breaks:      []string{"RFC2428-3-EPSV-ALL-REJECTS/eprt"},
			override:    ignoreEpsvAll("EPRT"),
		},
		Fault{Name: faultEpsvAllIgnoredPORT,
			Description: "after EPSV ALL, PORT is still accepted (PASV and EPRT are refused)",
			Breaks:      []string{"RFC2428-3-EPSV-ALL-REJECTS/port"},
			override:    ignoreEpsvAll("PORT"),
		},
		Fault{Name: faultEpsvAllIgnoredPASV,
			Description: "after EPSV ALL, PASV is still accepted (PORT and EPRT are refused)",
			Breaks:      []string{"RFC2428-3-EPSV-ALL-REJECTS/pasv"},
			override:    ignoreEpsvAll("PASV"),
		},
		Fault{Name: faultEpsvAllBreaksEPSV,
			Description: "after EPSV ALL, EPSV itself is refused with 501",
			Breaks:      []string{"RFC2428-3-EPSV-ALL-REJECTS/epsv"},
			override: replyInstead("EPSV", codeBadArguments, "Data connection commands are disabled.", func(s *session, r *request) bool {
				return s.epsvAll && s.loggedIn && !strings.EqualFold(r.arg, "ALL")
			})},
		Fault{Name: faultEpsvAllRefused,
			Description: "\"EPSV ALL\" is refused with 501",
			Breaks:      []string{"RFC2428-3-EPSV-SYNTAX"},
			override: replyInstead("EPSV", codeBadArguments, "Syntax error in EPSV argument.", func(s *session, r *request) bool {
				return strings.EqualFold(r.arg, "ALL") && s.loggedIn
			})},
		Fault{Name: faultEpsvGarbage425,
			Description: "EPSV with a meaningless argument (\"EPSV foo\") is answered 425, not with 500 or 501",
			Breaks:      []string{"RFC2428-3-EPSV-ERRORS"},
			override: replyInstead("EPSV", codeCantOpenData, "Cannot open a passive data port.", func(s *session, r *request) bool {
				return r.arg != "" && !isDigits(r.arg) && !strings.EqualFold(r.arg, "ALL") && s.loggedIn
			})},
		Fault{Name: faultAborKeepsListener,
			Description: "ABOR without a transfer answers 225 but leaves the passive listener open (and a connection to it)",
			Breaks:      []string{"RFC959-4.1.3-ABOR-IDLE"},
			override: func(s *session, r *request) bool {
				if r.verb != "ABOR" || r.arg != "" || s.data == nil || s.data.passive == nil {
					return false
				}
				old := s.data
				s.data = nil
				s.faults.keep(old.close)
				s.reply(codeNoTransfer, "No transfer to abort.")
				return true
			}},
		Fault{Name: faultEprtDelimiterMisparsed,
			Description: "EPRT with a delimiter other than \"|\" is answered 200, but the server misreads it and the transfer then fails with 425",
			Breaks:      []string{"RFC2428-2-EPRT-SYNTAX/delimiter"},
			override: func(s *session, r *request) bool {
				if r.verb != "EPRT" || !s.loggedIn || s.epsvAll || r.arg == "" || r.arg[0] == '|' {
					return false
				}
				s.closeData()
				s.data = &dataSetting{dead: true}
				s.reply(codeOK, "EPRT command successful.")
				return true
			}},
		Fault{Name: faultEprtLaxAddress,
			Description: "EPRT accepts any text as the address of protocol 1 or 2 (\"EPRT |1|999.1.1.1|5000|\" gets 200)",
			Breaks:      []string{"RFC2428-2-EPRT-SYNTAX/bad-address", "RFC2428-2-EPRT-500-501"},
			override: eprtOverride(func(s *session, proto, addr string) bool {
				return (proto == "1" || proto == "2") && net.ParseIP(addr) == nil
			})},
		Fault{Name: faultEprtFamilyMismatch425,
			Description: "EPRT with an IPv6 address under protocol 1 or a dotted-decimal address under protocol 2 is answered 425, a code RFC 2428 §2 does not give EPRT",
			Breaks:      []string{"RFC2428-2-EPRT-ADDR-FORMAT"},
			override: replyInstead("EPRT", codeCantOpenData, "Cannot open data connection.", func(s *session, r *request) bool {
				proto, addr, _ := splitEPRT(r.arg)
				colon := strings.Contains(addr, ":")
				return s.loggedIn && !s.epsvAll && net.ParseIP(addr) != nil && (proto == "1" && colon || proto == "2" && !colon)
			})},
		Fault{Name: faultEprtUnknownProtoAccepted,
			Description: "EPRT with an unknown protocol number (\"EPRT |3|1.2.3.4|5000|\") is answered 200",
			Breaks:      []string{"RFC2428-2-EPRT-522"},
			override: eprtOverride(func(s *session, proto, addr string) bool {
				return isDigits(proto) && proto != "1" && proto != "2"
			})},
		Fault{Name: faultPortFirstOnly,
			Description: "the server remembers the first PORT or EPRT of a session and dials that address and port for every later PORT or EPRT",
			Breaks:      []string{"RFC959-4.1.2-PORT-SEMANTICS/retr", "RFC959-4.1.2-PORT-SEMANTICS/stor", "RFC2428-2-EPRT-200/retr"},
			override: func(s *session, r *request) bool {
				if (r.verb != "PORT" && r.verb != "EPRT") || !s.loggedIn {
					return false
				}
				commands[r.verb].fn(s, r)
				if s.data == nil || s.data.active == nil {
					return true
				}
				if s.faults.firstActive == nil {
					s.faults.firstActive = s.data.active
				} else {
					s.data.active = s.faults.firstActive
				}
				return true
			}},
		Fault{Name: faultDialFailure226,
			Description: "when an active data connection cannot be made, the transfer is answered 150 and then 226 instead of 425",
			Breaks:      []string{"RFC959-3.2-425-ON-FAIL"},
			install:     beforePrelim(dialFailureAs226)},
		Fault{Name: faultPortChangeKeepsData,
			Description: "a new PASV or EPSV leaves a data connection made to the previous passive port open",
			Breaks:      []string{"RFC959-3.2-PORT-CHANGE-CLOSES/connected"},
			override:    keepOldPassive(func(verb string, connected bool) bool { return connected && isPassiveVerb(verb) }),
		},
		Fault{Name: faultPortChangeKeepsListener,
			Description: "a new PASV or EPSV leaves the previous passive port listening when nothing had connected to it",
			Breaks:      []string{"RFC959-3.2-PORT-CHANGE-CLOSES/listener"},
			override:    keepOldPassive(func(verb string, connected bool) bool { return !connected && isPassiveVerb(verb) }),
		},
		Fault{Name: faultActiveChangeKeepsData,
			Description: "a PORT or EPRT after PASV or EPSV leaves the data connection made to the passive port open",
			Breaks:      []string{"RFC959-3.2-PORT-CHANGE-CLOSES/to-active"},
			override:    keepOldPassive(func(verb string, connected bool) bool { return connected && !isPassiveVerb(verb) }),
		},
		Fault{Name: faultListDataLeftOpen,
			Description: "LIST sends its listing and 226 but closes the data connection only 3 s later",
			Breaks:      []string{"RFC959-3.2-CLOSE-EOF/passive", "RFC959-3.2-CLOSE-EOF/active"},
			install:     func(h *hooks) { h.closeConn = closeListLate }},
		Fault{Name: faultDefaultPortPhantom,
			Description: "a transfer without PORT or PASV is answered 125 and 226 although the server connects nowhere",
			Breaks:      []string{"RFC959-3.2-DEFAULT-PORTS"},
			install: func(h *hooks) {
				h.defaultData = func(s *session) *dataSetting { return preparedData(s, discardConn{}) }
			}},
		Fault{Name: faultDefaultPortWrongIP,
			Description: "for a transfer without PORT or PASV the server connects to port U of 127.0.0.2 instead of the control connection's address 127.0.0.1",
			Breaks:      []string{"RFC1123-4.1.2.12-DEFAULT-SAME-IP"},
			install: func(h *hooks) {
				h.defaultData = func(s *session) *dataSetting {
					ip := s.remote.IP
					if other := otherLoopback(ip); other != nil {
						ip = other
					}
					return s.defaultActive(ip)
				}
			}},
		Fault{Name: faultPortLaxParse,
			Description: "PORT arguments that are not six numbers 0-255 (\"PORT 1,2,3,4\", \"PORT 300,1,1,1,1,1\") are answered 200",
			Breaks:      []string{"RFC959-5.4-PORT-CODES/malformed"},
			override: func(s *session, r *request) bool {
				if r.verb != "PORT" || !s.loggedIn || s.epsvAll {
					return false
				}
				if _, _, ok := parsePORT(r.arg); ok {
					return false
				}
				s.closeData()
				s.data = &dataSetting{dead: true}
				s.reply(codeOK, "PORT command successful.")
				return true
			}},
		Fault{Name: faultPortBeforeLogin,
			Description: "PORT is accepted before login",
			Breaks:      []string{"RFC959-5.4-PORT-CODES/before-login"},
			override: func(s *session, r *request) bool {
				if r.verb != "PORT" || s.loggedIn {
					return false
				}
				s.cmdPORT(r)
				return true
			}},
		Fault{Name: faultPortZeroByteRefused,
			Description: "PORT with a port byte of 0 (\"PORT 127,0,0,1,160,0\") is refused with 501, reading RFC 959's BNF literally",
			Breaks:      []string{"RFC959-5.3.2-PORT-ZERO-OCTETS"},
			override: replyInstead("PORT", codeBadArguments, "Syntax error in PORT argument: numbers are 1-255.", func(s *session, r *request) bool {
				f := strings.Split(r.arg, ",")
				return s.loggedIn && len(f) == 6 && (strings.TrimLeft(f[4], "0") == "" || strings.TrimLeft(f[5], "0") == "")
			})},
		Fault{Name: faultPasvArg425,
			Description: "PASV with an argument is answered 425, as if the argument were a port request that failed",
			Breaks:      []string{"RFC959-5.4-PASV-CODES/argument"},
			override: replyInstead("PASV", codeCantOpenData, "Cannot open passive connection.", func(s *session, r *request) bool {
				return r.arg != "" && s.loggedIn
			})},
		Fault{Name: faultPasvBeforeLogin,
			Description: "PASV is accepted before login and opens a listener",
			Breaks:      []string{"RFC959-5.4-PASV-CODES/before-login"},
			override: func(s *session, r *request) bool {
				if r.verb != "PASV" || s.loggedIn {
					return false
				}
				s.cmdPASV(r)
				return true
			}},
		Fault{Name: faultActiveDataBeforePrelim,
			Description: "in active mode the server connects, sends all the data and closes the data connection, and only 1.6 s later sends 150 and 226",
			Breaks:      []string{"RFC959-5.4-XFER-PRELIM/active-order"},
			install:     beforePrelim(dataBeforePrelim)},
	)
	variationRegistry = append(variationRegistry,
		Variation{Name: varPrelim150Always, Description: "transfers always start with 150, even when the client is already connected to the passive port",
			install: func(h *hooks) {
				h.prelim = func(s *session, x *transfer, code int, text string) { s.reply(codeAboutToOpen, text) }
			}},
		Variation{Name: varActiveConnectFirst, Description: "in active mode the server connects to the client before its preliminary reply, which is then 125",
			install: beforePrelim(connectFirst)},
		Variation{Name: varDataOpenLate, Description: "the server takes the passive connection, or dials the active one, only 40 ms after its preliminary reply",
			install: beforePrelim(func(s *session, x *transfer, text string) bool {
				if x.data != nil && !x.data.dead {
					s.openLate(x)
				}
				return false
			})},
	)
}

// namesOtherProtocol is the when-condition of EPSV and EPRT naming a
// protocol other than the control connection's (a 522 in the clean
// server).
func namesOtherProtocol(s *session, r *request) bool {
	if !s.loggedIn {
		return false
	}
	proto := r.arg
	if r.verb == "EPRT" {
		if s.epsvAll {
			return false
		}
		proto, _, _ = splitEPRT(r.arg)
	}
	return isDigits(proto) && proto != strconv.Itoa(s.family())
}

// splitEPRT returns the protocol, address and port fields of an EPRT
// argument, or empty strings.
func splitEPRT(arg string) (proto, addr, port string) {
	if arg == "" {
		return
	}
	f := strings.Split(arg, arg[:1])
	if len(f) != 5 || f[0] != "" || f[4] != "" {
		return
	}
	return f[1], f[2], f[3]
}

// eprtOverride answers 200 to an EPRT whose fields accept() wrongly takes
// for valid; the data setting is dead (nothing is ever dialled).
func eprtOverride(accept func(s *session, proto, addr string) bool) func(*session, *request) bool {
	return func(s *session, r *request) bool {
		if r.verb != "EPRT" || !s.loggedIn || s.epsvAll {
			return false
		}
		proto, addr, _ := splitEPRT(r.arg)
		if proto == "" || !accept(s, proto, addr) {
			return false
		}
		s.closeData()
		s.data = &dataSetting{dead: true}
		s.reply(codeOK, "EPRT command successful.")
		return true
	}
}

// ignoreEpsvAll runs verb as if EPSV ALL had not been sent.
func ignoreEpsvAll(verb string) func(*session, *request) bool {
	return func(s *session, r *request) bool {
		if r.verb != verb || !s.epsvAll || !s.loggedIn {
			return false
		}
		s.epsvAll = false
		commands[verb].fn(s, r)
		s.epsvAll = true
		return true
	}
}

// keepOldPassive builds an override for PORT, PASV, EPRT and EPSV that,
// when keep says so for the command and for whether something connected to
// the session's passive port, leaves that port's listener and connection
// open until the session ends instead of closing them.
func keepOldPassive(keep func(verb string, connected bool) bool) func(*session, *request) bool {
	return func(s *session, r *request) bool {
		switch r.verb {
		case "PORT", "PASV", "EPRT", "EPSV":
		default:
			return false
		}
		old := s.data
		if !s.loggedIn || old == nil || old.passive == nil {
			return false
		}
		if keep(r.verb, old.passive.connectedWithin(time.Second)) {
			s.data = nil
			s.faults.keep(old.close)
		}
		return false
	}
}

func isPassiveVerb(verb string) bool { return verb == "PASV" || verb == "EPSV" }

// hasActive reports whether a transfer goes to an active data connection.
func hasActive(x *transfer) bool { return x.data != nil && x.data.active != nil }

// dataBeforePrelim (active-data-before-prelim) runs an active transfer to
// its end, then waits and sends the 150 and the completion reply.
func dataBeforePrelim(s *session, x *transfer, text string) bool {
	if !hasActive(x) {
		return false
	}
	x.run()
	res := <-x.done
	s.sleep(prelimDelay)
	s.reply(codeAboutToOpen, text)
	if !res.replied {
		s.reply(res.code, res.text)
	}
	return true
}

// connectFirst (active-connect-first) dials an active data connection
// before the preliminary reply, which is then 125. When the dial fails,
// the transfer dials again and reports 425.
func connectFirst(s *session, x *transfer, text string) bool {
	if !hasActive(x) {
		return false
	}
	if conn, err := x.openConn(); err == nil {
		x.data = preparedData(s, conn)
	}
	return false
}

// dialFailureAs226 (dial-failure-226) dials an active data connection
// before the preliminary reply and, when that fails, answers 150 and 226.
func dialFailureAs226(s *session, x *transfer, text string) bool {
	if !hasActive(x) {
		return false
	}
	conn, err := x.openConn()
	if err == nil {
		x.data = preparedData(s, conn)
		return false
	}
	s.logf("data connection: %v (reported as success: %s fault)", err, faultDialFailure226)
	x.cancel()
	x.discard(s)
	if x.file != nil {
		x.file.Close()
	}
	s.reply(codeAboutToOpen, text)
	s.reply(codeClosingData, "Transfer complete.")
	return true
}

// openLate (data-open-late) gives the transfer a data setting that becomes
// ready lateOpen after the preliminary reply: only then is the client's
// passive connection taken, or the active one dialled.
func (s *session) openLate(x *transfer) {
	orig := x.data
	ready := make(chan struct{})
	pl := &passiveListener{ln: noListener{}, peer: s.remote.IP, ready: ready}
	x.data = &dataSetting{passive: pl, port: orig.port}
	s.srv.wg.Go(func() {
		defer close(ready)
		defer orig.close()
		if !x.wait(lateOpen) {
			return
		}
		var c net.Conn
		var err error
		if orig.passive != nil {
			c, err = orig.passive.take(x.ctx, s.srv.DataTimeout)
		} else {
			c, err = (&transfer{s: s, data: orig, ctx: x.ctx}).openConn()
		}
		if err != nil {
			s.logf("data connection (late): %v", err)
			return
		}
		pl.mu.Lock()
		defer pl.mu.Unlock()
		if pl.closed {
			c.Close()
			return
		}
		pl.conn = c
	})
}

// closeListLate (list-data-left-open) closes the data connection of a
// LIST only leftOpenFor after the data.
func closeListLate(x *transfer, conn net.Conn) {
	if x.kind != xferLIST {
		conn.Close()
		return
	}
	s := x.s
	s.srv.wg.Go(func() {
		s.sleep(leftOpenFor)
		conn.Close()
	})
}

// preparedData is a data setting whose connection already exists: the
// transfer takes conn as if the client had connected to a passive port.
func preparedData(s *session, conn net.Conn) *dataSetting {
	ready := make(chan struct{})
	close(ready)
	return &dataSetting{passive: &passiveListener{ln: noListener{}, peer: s.remote.IP, ready: ready, conn: conn}}
}

// noListener stands in for the listener of a prepared data setting.
type noListener struct{}

func (noListener) Accept() (net.Conn, error) { return nil, net.ErrClosed }
func (noListener) Close() error              { return nil }
func (noListener) Addr() net.Addr            { return &net.TCPAddr{} }

// discardConn is a data connection to nowhere: writes vanish, reads end at
// once (default-port-phantom).
type discardConn struct{}

func (discardConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (discardConn) Write(p []byte) (int, error)      { return len(p), nil }
func (discardConn) Close() error                     { return nil }
func (discardConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (discardConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (discardConn) SetDeadline(time.Time) error      { return nil }
func (discardConn) SetReadDeadline(time.Time) error  { return nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }
