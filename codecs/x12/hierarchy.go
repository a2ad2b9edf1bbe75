package x12

import "strconv"

// HL03 hierarchical level codes of the 270/271.
const (
	levelSource     = "20" // 2000A information source (payer)
	levelReceiver   = "21" // 2000B information receiver (provider)
	levelSubscriber = "22" // 2000C subscriber
	levelDependent  = "23" // 2000D dependent
)

// hierarchy checks HL segments as they arrive: HL01 numbers 1, 2, 3...; each
// HL02 names an earlier HL one level up (source > receiver > subscriber >
// dependent); the source level has no parent.
type hierarchy struct {
	levels []string // levels[i] is the HL03 of HL01 = i+1
}

// enter validates HL segment s and returns its level code.
func (h *hierarchy) enter(s *Segment) (string, error) {
	id, err := strconv.Atoi(s.Element(1))
	if err != nil || id != len(h.levels)+1 {
		return "", segErr(s, 1, "hierarchical id is not the next number in sequence")
	}
	level := s.Element(3)
	var parentLevel string
	switch level {
	case levelSource:
	case levelReceiver:
		parentLevel = levelSource
	case levelSubscriber:
		parentLevel = levelReceiver
	case levelDependent:
		parentLevel = levelSubscriber
	default:
		return "", segErr(s, 3, "unknown hierarchical level code")
	}
	parent := s.Element(2)
	if parentLevel == "" {
		if parent != "" {
			return "", segErr(s, 2, "information source level must have no parent")
		}
	} else {
		p, err := strconv.Atoi(parent)
		if err != nil || p < 1 || p > len(h.levels) || h.levels[p-1] != parentLevel {
			return "", segErr(s, 2, "parent id does not name the level above")
		}
	}
	if c := s.Element(4); c != "" && c != "0" && c != "1" {
		return "", segErr(s, 4, "child code is not 0 or 1")
	}
	h.levels = append(h.levels, level)
	return level, nil
}

// loopSuffix maps a level code to the letter of its loops (2000A, 2100B...).
func loopSuffix(level string) string {
	switch level {
	case levelSource:
		return "A"
	case levelReceiver:
		return "B"
	case levelSubscriber:
		return "C"
	case levelDependent:
		return "D"
	}
	return ""
}
