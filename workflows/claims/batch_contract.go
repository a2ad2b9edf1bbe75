package claims

import (
	"time"

	"github.com/careflow/engine/codecs/x12"
)

// ChangeBatching is the workflow.GetVersion change id under which a claim with a batch
// window is sent through the batcher (several claims per interchange) and 999s are routed
// per transaction set. Version 1 is the batching path; DefaultVersion sends alone.
const ChangeBatching = "claims-batch-interchange"

// Names of the batcher.
const (
	// BatcherWorkflowName is the registered batcher workflow type name.
	BatcherWorkflowName = "claims.Batcher"
	// BatcherWorkflowID is the one batcher of the configured clearinghouse.
	BatcherWorkflowID = "claims-batcher"
	// ReadySignalName hands a ready claim to the batcher (ReadySignal).
	ReadySignalName = "claim-ready"
	// BatchedSignalName tells a claim where it was sent (BatchedSignal).
	BatchedSignalName = "claim-batched"
	// MaxBatchClaims bounds the claims of one interchange; more go in the next.
	MaxBatchClaims = 100
	// DefaultBatchWindow is CLAIM_BATCH_WINDOW's default.
	DefaultBatchWindow = 30 * time.Second
)

// ReadySignal is a claim ready to be sent.
type ReadySignal struct {
	WorkflowID string                `json:"workflowId"`
	Claim      x12.ProfessionalClaim `json:"claim"`
	// PayloadKey names this submission of the claim; a repeated ready signal with the same
	// key is sent once.
	PayloadKey string `json:"payloadKey"`
	// Window is how long the batcher collects after the first claim of a batch.
	Window time.Duration `json:"window"`
}

// BatchedSignal tells a claim the interchange and transaction set it went out in.
type BatchedSignal struct {
	PayloadKey       string `json:"payloadKey"`
	ControlNumber    int64  `json:"controlNumber,omitempty"`
	SetControlNumber string `json:"setControlNumber,omitempty"`
	// Error is the error type when the claim was not sent (e.g. billing.ErrTypeInvalidClaim).
	Error string `json:"error,omitempty"`
}

// BatcherInput starts (or continues) the batcher.
type BatcherInput struct {
	// Pending are ready claims carried over a continue-as-new.
	Pending []ReadySignal `json:"pending,omitempty"`
	// BatchesPerRun bounds the batches of one run before continue-as-new (default 50).
	BatchesPerRun int `json:"batchesPerRun,omitempty"`
}
