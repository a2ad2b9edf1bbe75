package ehrsim

import (
	"net/http"
	"slices"
)

// smartConfig is the SMART discovery document
// ([base]/.well-known/smart-configuration) for backend services.
type smartConfig struct {
	TokenEndpoint               string   `json:"token_endpoint"`
	TokenEndpointAuthMethods    []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlg []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	GrantTypesSupported         []string `json:"grant_types_supported"`
	ScopesSupported             []string `json:"scopes_supported"`
	Capabilities                []string `json:"capabilities"`
}

// handleSMARTConfig serves the SMART configuration, so a client can
// discover the token endpoint from the FHIR base URL alone.
func (s *Sim) handleSMARTConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", smartConfig{
		TokenEndpoint:               s.expectedAudience(r),
		TokenEndpointAuthMethods:    []string{"private_key_jwt"},
		TokenEndpointAuthSigningAlg: []string{AlgRS384, AlgES384},
		GrantTypesSupported:         []string{grantClientCredentials},
		ScopesSupported:             []string{"system/*.read", "system/*.write", "system/*.rs", "system/*.cruds"},
		Capabilities:                []string{"client-confidential-asymmetric", "permission-v1", "permission-v2"},
	})
}

// handleMetadata serves a CapabilityStatement describing what the
// simulator implements.
func (s *Sim) handleMetadata(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	types := slices.Clone(supportedTypes)
	for t := range s.store {
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	s.mu.Unlock()
	slices.Sort(types)
	params := []map[string]string{
		{"name": "_id", "type": "token"}, {"name": "identifier", "type": "token"},
		{"name": "status", "type": "token"}, {"name": "_lastUpdated", "type": "date"},
	}
	for name := range refParams {
		params = append(params, map[string]string{"name": name, "type": "reference"})
	}
	slices.SortFunc(params, func(a, b map[string]string) int {
		switch {
		case a["name"] < b["name"]:
			return -1
		case a["name"] > b["name"]:
			return 1
		}
		return 0
	})
	var resources []map[string]any
	for _, t := range types {
		resources = append(resources, map[string]any{
			"type": t,
			"interaction": []map[string]string{{"code": "read"}, {"code": "vread"},
				{"code": "search-type"}, {"code": "create"}, {"code": "update"}},
			"versioning":        "versioned-update",
			"readHistory":       true,
			"updateCreate":      true,
			"conditionalCreate": true,
			"searchParam":       params,
		})
	}
	writeJSON(w, http.StatusOK, fhirContentType, map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         "2025-01-01",
		"kind":         "instance",
		"software":     map[string]string{"name": "careflow ehrsim"},
		"implementation": map[string]string{
			"description": "careflow EHR simulator", "url": fhirBase(r),
		},
		"fhirVersion": "4.0.1",
		"format":      []string{"json"},
		"rest": []map[string]any{{
			"mode": "server",
			"security": map[string]any{
				"extension": []map[string]any{{
					"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
					"extension": []map[string]string{
						{"url": "token", "valueUri": s.expectedAudience(r)},
					},
				}},
				"service": []map[string]any{{"coding": []map[string]string{{
					"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
					"code":   "SMART-on-FHIR",
				}}}},
			},
			"resource": resources,
		}},
	})
}
