package stack

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
)

// keywordAttribute makes sure the namespace has the keyword search attribute name, registering
// it when missing. It returns the name, or "" when the attribute is neither registered nor
// registrable (a managed namespace without operator rights): the process then publishes none
// rather than fail its workflow tasks, and unavailable says what is lost.
func (s *Stack) keywordAttribute(name, unavailable string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ns := s.Config.TemporalNamespace
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
		s.logger.Warn(unavailable, "attribute", name)
		return ""
	}
	return name
}
