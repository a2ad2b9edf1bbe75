// Package clearinghouse sends X12 transactions to a clearinghouse over CAQH
// CORE Connectivity (Phase II/III rule, CORE rule version 2.2.0) in real-time
// mode: a SOAP 1.2 envelope with WS-Security UsernameToken (PasswordText)
// authentication, carrying one X12 payload and answered by one X12 payload.
//
// The request body has this shape (children of the CORE element are
// unqualified, as in CAQH's published examples):
//
//	<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope">
//	  <soapenv:Header>
//	    <wsse:Security soapenv:mustUnderstand="true" xmlns:wsse="...wssecurity-secext-1.0.xsd">
//	      <wsse:UsernameToken>
//	        <wsse:Username>…</wsse:Username>
//	        <wsse:Password Type="...#PasswordText">…</wsse:Password>
//	      </wsse:UsernameToken>
//	    </wsse:Security>
//	  </soapenv:Header>
//	  <soapenv:Body>
//	    <cor:COREEnvelopeRealTimeRequest xmlns:cor="http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd">
//	      <PayloadType>X12_270_Request_005010X279A1</PayloadType>
//	      <ProcessingMode>RealTime</ProcessingMode>
//	      <PayloadID>…</PayloadID> <TimeStamp>2025-01-02T03:04:05Z</TimeStamp>
//	      <SenderID>…</SenderID> <ReceiverID>…</ReceiverID>
//	      <CORERuleVersion>2.2.0</CORERuleVersion>
//	      <Payload><![CDATA[ISA*00*…~]]></Payload>
//	    </cor:COREEnvelopeRealTimeRequest>
//	  </soapenv:Body>
//	</soapenv:Envelope>
//
// sent by POST to Config.BaseURL with Content-Type
// `application/soap+xml; charset=utf-8; action="RealTimeTransaction"`.
//
// # Batch mode
//
// SubmitBatch sends an X12 interchange (an 837P) as COREEnvelopeBatchSubmission
// with ProcessingMode Batch; the answer is the envelope alone.
// RetrieveBatchResults sends COREEnvelopeBatchResultsRetrievalRequest for the
// next waiting 999, 277CA or 835 file. Both are idempotent by PayloadID.
//
// # Errors
//
// Every failure is a *Error whose Retryable field says whether sending the
// same request again (same PayloadID) may succeed. Transport failures,
// timeouts, HTTP 408/429/5xx without a more specific answer, SOAP Receiver
// faults and CORE error codes naming a busy or unavailable receiver are
// retryable. Authentication failures (HTTP 401/403, ErrorCode
// "UnAuthorized", WS-Security faults), envelope errors ("VersionMismatch",
// "<Field>Required", "<Field>Illegal" and similar), SOAP Sender faults,
// unreadable responses and invalid requests are permanent. Error messages
// never contain the payload or the responder's free text (which may carry
// PHI); Error.Message keeps the latter for operators.
//
// The package never retries by itself: the caller (a Temporal activity)
// owns the retry policy and reuses the PayloadID, which the clearinghouse
// uses to recognise a repeated inquiry.
package clearinghouse
