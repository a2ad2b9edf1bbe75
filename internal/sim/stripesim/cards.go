package stripesim

// testCard describes one of Stripe's test PaymentMethods: the card it stands
// for and, for the failing ones, how the issuer answers.
type testCard struct {
	brand   string
	last4   string
	funding string
	country string
	// decline is nil for cards that authorize.
	decline *decline
	// disputeAfterCapture makes the charge disputed as soon as it is
	// captured, like Stripe's pm_card_createDispute.
	disputeAfterCapture bool
}

// decline is the card_error a declining test card produces.
type decline struct {
	code        string
	declineCode string
	message     string
	param       string
}

const msgDeclined = "Your card was declined."

// testCards lists the PaymentMethod ids the simulator accepts; they are the
// ids Stripe documents for test mode (https://docs.stripe.com/testing).
var testCards = map[string]testCard{
	"pm_card_visa":             {brand: "visa", last4: "4242", funding: "credit", country: "US"},
	"pm_card_visa_debit":       {brand: "visa", last4: "5556", funding: "debit", country: "US"},
	"pm_card_mastercard":       {brand: "mastercard", last4: "4444", funding: "credit", country: "US"},
	"pm_card_mastercard_debit": {brand: "mastercard", last4: "8210", funding: "debit", country: "US"},
	"pm_card_amex":             {brand: "amex", last4: "8431", funding: "credit", country: "US"},
	"pm_card_discover":         {brand: "discover", last4: "1117", funding: "credit", country: "US"},
	"pm_card_createDispute": {brand: "visa", last4: "0259", funding: "credit", country: "US",
		disputeAfterCapture: true},
	"pm_card_chargeDeclined": {brand: "visa", last4: "0002", funding: "credit", country: "US",
		decline: &decline{code: "card_declined", declineCode: "generic_decline", message: msgDeclined}},
	"pm_card_chargeDeclinedInsufficientFunds": {brand: "visa", last4: "9995", funding: "credit", country: "US",
		decline: &decline{code: "card_declined", declineCode: "insufficient_funds",
			message: "Your card has insufficient funds."}},
	"pm_card_chargeDeclinedLostCard": {brand: "visa", last4: "9987", funding: "credit", country: "US",
		decline: &decline{code: "card_declined", declineCode: "lost_card", message: msgDeclined}},
	"pm_card_chargeDeclinedStolenCard": {brand: "visa", last4: "9979", funding: "credit", country: "US",
		decline: &decline{code: "card_declined", declineCode: "stolen_card", message: msgDeclined}},
	"pm_card_chargeDeclinedFraudulent": {brand: "visa", last4: "0019", funding: "credit", country: "US",
		decline: &decline{code: "card_declined", declineCode: "fraudulent", message: msgDeclined}},
	"pm_card_chargeDeclinedExpiredCard": {brand: "visa", last4: "0069", funding: "credit", country: "US",
		decline: &decline{code: "expired_card", declineCode: "expired_card",
			message: "Your card has expired.", param: "exp_month"}},
	"pm_card_chargeDeclinedIncorrectCvc": {brand: "visa", last4: "0127", funding: "credit", country: "US",
		decline: &decline{code: "incorrect_cvc", declineCode: "incorrect_cvc",
			message: "Your card's security code is incorrect.", param: "cvc"}},
	"pm_card_chargeDeclinedProcessingError": {brand: "visa", last4: "0119", funding: "credit", country: "US",
		decline: &decline{code: "processing_error", declineCode: "processing_error",
			message: "An error occurred while processing your card. Try again in a little bit."}},
}

// Every test card expires in the same far-future month so none looks stale.
const (
	cardExpMonth = 12
	cardExpYear  = 2034
)
