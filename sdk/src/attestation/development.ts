// The published development attestation authority. INSECURE BY DESIGN: its root private key is below, so anyone can
// sign Nitro-format documents with it, for any PCRs and any key binding. It exists so that a node outside a real
// enclave can produce evidence in the same format (developmentAuthority() in ./authority.ts), on local chains only.
// Production policy refuses it twice: its root is not pinned by default (AttestationRootError), and a verifier that
// pins it still refuses its documents unless given `allowDevelopment: true` (AttestationMeasurementError).
// Generated once with createRootCertificate (P-384, ECDSA SHA-384, valid 2025-01-01 to 2125-01-01); never rotate it
// silently: the fingerprint is part of the protocol's definition of development evidence.
import type { Hex } from "viem";

/** The development root: certificate, PKCS#8 private key (public on purpose) and SHA-256 fingerprint of the DER. */
export const DEVELOPMENT_AUTHORITY = {
  rootCertificatePem: `-----BEGIN CERTIFICATE-----
MIICgTCCAgegAwIBAgIQI2Gw5eBJDwjyxqyrBndH3DAKBggqhkjOPQQDAzCBgDFI
MEYGA1UEAxM/VmVyaXR5IGRldmVsb3BtZW50IE5pdHJvIHJvb3QgKElOU0VDVVJF
OiBwcml2YXRlIGtleSBpcyBwdWJsaWMpMQ8wDQYDVQQKEwZWZXJpdHkxIzAhBgNV
BAsTGkF0dGVzdGF0aW9uIHRlc3QgYXV0aG9yaXR5MCAXDTI1MDEwMTAwMDAwMFoY
DzIxMjUwMTAxMDAwMDAwWjCBgDFIMEYGA1UEAxM/VmVyaXR5IGRldmVsb3BtZW50
IE5pdHJvIHJvb3QgKElOU0VDVVJFOiBwcml2YXRlIGtleSBpcyBwdWJsaWMpMQ8w
DQYDVQQKEwZWZXJpdHkxIzAhBgNVBAsTGkF0dGVzdGF0aW9uIHRlc3QgYXV0aG9y
aXR5MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEP/MXEzV0Tf9zLE1hUdFZT9c82t2F
pLzwBTFIyYUVc7mpPzUEcANlQI472WgcSllCWTcVFU9ixmgEUPMCI3YQ83zpDrXZ
Q2+m2LP0Fwal3Bw796p3sV6lCLARaM+fMSnKo0IwQDAPBgNVHRMBAf8EBTADAQH/
MA4GA1UdDwEB/wQEAwIBhjAdBgNVHQ4EFgQU9bDfThpg9IWdM9U1jNNwLynyXsEw
CgYIKoZIzj0EAwMDaAAwZQIxAK4c+MZYNg7QmdR/Ev133++nPwqVCpBqJbBtiAId
XF22YCiPKKPb3xVtTnBIQzq+IwIwO4qZ540mG+O3y/Sb/vGMmBSzUdTbN1VJisqA
cUlLj35sf8C3qs6RiQ/ubL3agBkz
-----END CERTIFICATE-----
`,
  /** INSECURE: published on purpose. Never use it for anything but development evidence. */
  rootPrivateKeyPem: `-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDB/N8qhIilyiHkTCwiW
pi/cCuvHqY0qcqXztsth2z3HbUt7ZtqVpWEESodKIHwXwwyhZANiAAQ/8xcTNXRN
/3MsTWFR0VlP1zza3YWkvPAFMUjJhRVzuak/NQRwA2VAjjvZaBxKWUJZNxUVT2LG
aARQ8wIjdhDzfOkOtdlDb6bYs/QXBqXcHDv3qnexXqUIsBFoz58xKco=
-----END PRIVATE KEY-----
`,
  rootFingerprint: "0xb7fe5a672b5024760f04ed6b2278584b57f74d6afed9b89b0c6a671af473ac8c",
} as const;

/** SHA-256 of the development root's DER: a document that chains to it is development evidence. */
export const DEVELOPMENT_ROOT_FINGERPRINT: Hex = DEVELOPMENT_AUTHORITY.rootFingerprint;

/** The development root certificate, PEM: pass it in `roots` (with `allowDevelopment: true`) on local chains only. */
export const DEVELOPMENT_ROOT_PEM: string = DEVELOPMENT_AUTHORITY.rootCertificatePem;
