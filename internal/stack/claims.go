package stack

import (
	"context"
	"errors"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/careflow/engine/activities/billing"
	"github.com/careflow/engine/api"
	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/careflow/engine/codecs/x12"
	"github.com/careflow/engine/internal/config"
	"github.com/careflow/engine/workers"
	"github.com/careflow/engine/workflows/claims"
)

// startClaims builds the billing activities on the clearinghouse configuration check-in
// resolved (the simulator's when CLEARINGHOUSE_BASE_URL is unset), points the simulator's
// pushes at the engine's webhook, and makes sure the results poller's Schedule exists.
func (s *Stack) startClaims() error {
	acts := s.billingActivities()
	s.instrument(acts)
	s.addWorker(func() worker.Worker { return workers.NewClaimsWorker(s.Temporal, acts, s.wopts) })
	s.deps.Claims = api.ClaimDefaults{RemitTimeout: s.Config.Claims.RemitTimeout, BatchWindow: s.Config.Claims.BatchWindow,
		WebhookSecret: s.Config.Claims.WebhookSecret}
	if !s.opts.NoAPI {
		s.deps.Claims.StatusSearchAttribute = s.keywordAttribute(claims.StatusSearchAttribute,
			"claims: status search attribute unavailable; register it to list claims by status")
	}
	s.ensureClaimsSchedule()
	return nil
}

// billingActivities builds the clearinghouse batch client and the billing activities.
func (s *Stack) billingActivities() *billing.Activities {
	cfg := s.Config.Clearinghouse
	ch := clearinghouse.New(clearinghouse.Config{BaseURL: cfg.BaseURL, Username: cfg.Username, Password: cfg.Password,
		SenderID: cfg.SenderID, ReceiverID: cfg.ReceiverID,
		// A batch submission may carry many claims; its answer is the envelope alone.
		HTTPClient: &http.Client{Timeout: 90 * time.Second}})
	usage := byte('P')
	if s.CHSim != nil {
		usage = 'T'
		if s.Config.Claims.WebhookSecret == "" {
			s.Config.Claims.WebhookSecret = config.SimulatorWebhookSecret
		}
		s.CHSim.Sim.SetPush(s.APIURL+"/webhooks/clearinghouse", s.Config.Claims.WebhookSecret)
	}
	return &billing.Activities{Clearinghouse: ch, Records: s.Store, Now: time.Now, Temporal: s.Temporal,
		Envelope: x12.Envelope{SenderQualifier: "ZZ", SenderID: cfg.SenderID, ReceiverQualifier: "ZZ",
			ReceiverID: cfg.ReceiverID, Usage: usage},
		Submitter:    x12.Submitter{Name: s.Config.ProviderName, ID: cfg.SenderID, ContactName: "BILLING OFFICE", ContactPhone: "5555550100"},
		ReceiverName: "CLEARINGHOUSE", ReceiverID: cfg.ReceiverID}
}

// ensureClaimsSchedule creates the Schedule that runs the results poller every
// CLAIM_POLL_INTERVAL (overlapping runs skipped); an existing one is left as it is. Failing to
// create it is logged, not fatal: webhook pushes still arrive.
func (s *Stack) ensureClaimsSchedule() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := s.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      claims.PollerScheduleID,
		Spec:    client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: s.Config.Claims.PollInterval}}},
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		Action: &client.ScheduleWorkflowAction{ID: "claims-results-poll", Workflow: claims.PollerWorkflowName,
			TaskQueue: claims.TaskQueue, Args: []any{claims.PollerInput{}},
			// One run must not outlive the next tick by much.
			WorkflowExecutionTimeout: time.Hour},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		s.logger.Warn("claims: results poller schedule not created; batch results arrive by webhook only", "error", err)
	}
}
