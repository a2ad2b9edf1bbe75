package payloadcodec

import (
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// DataConverter wraps the SDK's default data converter with the codec, so
// every workflow and activity argument and result is encrypted.
func DataConverter(c converter.PayloadCodec) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter encodes failure messages and stack traces through dc;
// without it they reach the server in clear text and may carry PHI.
func FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          dc,
		EncodeCommonAttributes: true,
	})
}

// ClientOptions returns the data and failure converters to set on
// client.Options; workers created from that client inherit both.
func ClientOptions(c converter.PayloadCodec) (converter.DataConverter, converter.FailureConverter) {
	dc := DataConverter(c)
	return dc, FailureConverter(dc)
}
