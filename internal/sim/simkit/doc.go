// Package simkit holds the machinery the vendor simulators under
// internal/sim share: the fault model (Fault over a simulator's FaultSpec,
// or a simulator's own type through FaultSpec.Validate and the JSON delay
// helpers), an ordered, counted fault list (Injector) that a simulator
// embeds for its InjectFault, ClearFaults and Faults methods, the /_sim/
// control routes (FaultRoutes, URLRoute), and a loopback HTTP Server with
// Start and Close.
//
// What a fault means (its operations, kinds and filters) stays in each
// simulator; simkit only validates, stores, counts and serves faults, so
// every simulator keeps its own exported Fault type.
package simkit
