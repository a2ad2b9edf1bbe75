// Package simkit holds the machinery the vendor simulators under
// internal/sim share: an ordered, counted fault list (Injector), the JSON
// form of a fault's delay, the /_sim/faults and /_sim/stats control routes,
// and a loopback HTTP listener.
//
// What a fault means (its operations, kinds and filters), and the wire
// shape of its JSON, stay in each simulator; simkit only stores, counts and
// serves them, so every simulator keeps its own exported Fault type.
package simkit
