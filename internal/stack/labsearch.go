package stack

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/careflow/engine/workflows/laborders"
)

// labSearchAttribute makes sure the namespace has the keyword search attribute lab orders
// publish their escalation state in, registering it when missing. It returns the attribute's
// name, or "" when it is neither registered nor registrable (a managed namespace without
// operator rights): orders then publish none rather than fail their workflow tasks.
func (s *Stack) labSearchAttribute() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	name, ns := laborders.EscalationSearchAttribute, s.Config.TemporalNamespace
	op := s.Temporal.OperatorService()
	list, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err == nil {
		if _, ok := list.GetCustomAttributes()[name]; ok {
			return name
		}
	}
	_, err = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: ns,
		SearchAttributes: map[string]enumspb.IndexedValueType{name: enumspb.INDEXED_VALUE_TYPE_KEYWORD}})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		s.logger.Warn("lab: escalation search attribute unavailable; register it to list unacknowledged orders",
			"attribute", name)
		return ""
	}
	return name
}
