package fakeserver

// hooks are the declared points at which the selected faults and
// variations change the server. Start builds them once from the
// registries; the handlers call them where the comment of each field says,
// and a nil or zero hook means the clean behaviour. Each fault and
// variation puts its hooks in place in its own file (Fault.override,
// Fault.install). Where two selected faults set the same single hook, the
// later in the registry wins; the hooks that are lists run in registry
// order.
type hooks struct {
	// override sees every command before the dispatch table (and before
	// the login check) and reports whether it dealt with the command.
	override []func(s *session, r *request) bool
}

// buildHooks collects the hooks of the selected faults, then of the
// selected variations.
func buildHooks(faults, variations map[string]bool) *hooks {
	h := &hooks{}
	for _, f := range faultRegistry {
		if faults[f.Name] {
			h.add(f.override, f.install)
		}
	}
	for _, v := range variationRegistry {
		if variations[v.Name] {
			h.add(v.override, v.install)
		}
	}
	return h
}

func (h *hooks) add(override func(*session, *request) bool, install func(*hooks)) {
	if override != nil {
		h.override = append(h.override, override)
	}
	if install != nil {
		install(h)
	}
}
