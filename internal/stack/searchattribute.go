package stack

import (
	"context"
	"errors"
	"maps"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/workflows/appointments"
	"github.com/careflow/engine/workflows/claims"
	"github.com/careflow/engine/workflows/laborders"
	"github.com/careflow/engine/workflows/opsattr"
)

// SearchAttributes are every search attribute the engine's processes publish, with their
// types: what a Temporal server the engine starts itself registers when it creates its
// namespace. The engine registers any that are missing at start in any case.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	attrs := maps.Clone(opsattr.Types)
	for _, name := range []string{appointments.ConflictSearchAttribute, laborders.EscalationSearchAttribute, claims.StatusSearchAttribute} {
		attrs[name] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	return attrs
}

// keywordAttribute makes sure the namespace has the keyword search attribute name, registering
// it when missing. It returns the name, or "" when the attribute is neither registered nor
// registrable (a managed namespace without operator rights): the process then publishes none
// rather than fail its workflow tasks, and unavailable says what is lost.
func (s *Stack) keywordAttribute(name, unavailable string) string {
	if err := s.ensureAttributes(map[string]enumspb.IndexedValueType{name: enumspb.INDEXED_VALUE_TYPE_KEYWORD}); err != nil {
		s.logger.Warn(unavailable, "attribute", name, "error", err)
		return ""
	}
	return name
}

// registerOpsAttributes makes sure the operator search attributes every workflow publishes
// exist. Where they cannot be registered the workflows publish none (opsattr.SetAvailable),
// and the start goes on: the processes matter more than the saved views.
func (s *Stack) registerOpsAttributes(context.Context) error {
	err := s.ensureAttributes(opsattr.Types)
	if err != nil {
		s.logger.Warn("operator search attributes unavailable; register them to use the Web UI's saved views",
			"attributes", "CareflowProcess, CareflowStatus, CareflowNeedsAttention, CareflowCritical, CareflowVendor", "error", err)
	}
	opsattr.SetAvailable(err == nil)
	return nil
}

// ensureAttributes registers the attributes of types the namespace lacks; an attribute of the
// same name with another type is an error.
func (s *Stack) ensureAttributes(types map[string]enumspb.IndexedValueType) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ns := s.Config.TemporalNamespace
	op := s.Temporal.OperatorService()
	missing := map[string]enumspb.IndexedValueType{}
	list, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	for name, typ := range types {
		if err == nil {
			if have, ok := list.GetCustomAttributes()[name]; ok {
				if have != typ {
					return errors.New("search attribute " + name + " exists with type " + have.String() + ", want " + typ.String())
				}
				continue
			}
		}
		missing[name] = typ
	}
	// One at a time: another process registering the same attribute meanwhile answers
	// AlreadyExists for the whole request, which would leave the others unregistered.
	for name, typ := range missing {
		_, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: ns,
			SearchAttributes: map[string]enumspb.IndexedValueType{name: typ}})
		var exists *serviceerror.AlreadyExists
		if err != nil && !errors.As(err, &exists) {
			return err
		}
	}
	return nil
}
