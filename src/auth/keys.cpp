#include "auth/keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <string>

namespace khe::auth::detail {
namespace {

struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct SigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

constexpr std::size_t kP384Bytes = 48;
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

BnPtr bignum(std::string_view s) {
  return BnPtr(BN_bin2bn(bytes(s), static_cast<int>(s.size()), nullptr));
}

Error key_error(std::string message) {
  ERR_clear_error();
  return Error{"jwks", std::move(message)};
}

// Builds a public key of `type_name` ("EC", "RSA") from `params` and checks it.
Result<PkeyPtr> from_params(const char* type_name, const OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type_name, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return key_error("OpenSSL key setup failed");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params)) !=
          1 ||
      raw == nullptr) {
    EVP_PKEY_free(raw);
    return key_error("not a valid public key");
  }
  PkeyPtr key(raw);
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return key_error("public key fails validation");
  }
  return key;
}

}  // namespace

Result<PublicKey> ec_p384_key(std::string_view x, std::string_view y) {
  if (x.size() != kP384Bytes || y.size() != kP384Bytes) {
    return key_error("EC P-384 coordinates must be 48 bytes each");
  }
  std::string point;
  point.reserve(1 + 2 * kP384Bytes);
  point += '\x04';  // uncompressed SEC 1 point
  point += x;
  point += y;
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-384", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return key_error("OpenSSL key setup failed");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return key_error("OpenSSL key setup failed");
  auto key = from_params("EC", params.get());
  if (!key) return key.error();
  return PublicKey{std::move(key).value(), KeyType::ec_p384};
}

Result<PublicKey> rsa_key(std::string_view n, std::string_view e) {
  BnPtr bn_n = bignum(n);
  BnPtr bn_e = bignum(e);
  if (!bn_n || !bn_e) return key_error("OpenSSL key setup failed");
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return key_error("RSA modulus must have 2048 to 8192 bits");
  }
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return key_error("OpenSSL key setup failed");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return key_error("OpenSSL key setup failed");
  auto key = from_params("RSA", params.get());
  if (!key) return key.error();
  return PublicKey{std::move(key).value(), KeyType::rsa};
}

bool verify_sha384(const PublicKey& key, std::string_view signing_input,
                   std::string_view signature) {
  std::string der;  // what EVP_DigestVerify takes: DER ECDSA-Sig-Value, or the RSA block
  if (key.type == KeyType::ec_p384) {
    // JOSE (RFC 7518 §3.4): R and S as 48-byte big-endian integers, concatenated.
    if (signature.size() != 2 * kP384Bytes) return false;
    BnPtr r = bignum(signature.substr(0, kP384Bytes));
    BnPtr s = bignum(signature.substr(kP384Bytes));
    std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
    if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
      ERR_clear_error();
      return false;
    }
    (void)r.release();  // now owned by sig
    (void)s.release();
    unsigned char* out = nullptr;
    const int len = i2d_ECDSA_SIG(sig.get(), &out);
    if (len <= 0 || out == nullptr) {
      ERR_clear_error();
      return false;
    }
    der.assign(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
    OPENSSL_free(out);
  } else {
    // RSASSA-PKCS1-v1_5: the signature is exactly as long as the modulus.
    if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.pkey.get()))) {
      return false;
    }
    der.assign(signature);
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  bool ok = md && EVP_DigestVerifyInit_ex(md.get(), &pctx, "SHA384", nullptr, nullptr,
                                          key.pkey.get(), nullptr) == 1;
  if (ok && key.type == KeyType::rsa) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  ok = ok && EVP_DigestVerify(md.get(), bytes(der), der.size(), bytes(signing_input),
                              signing_input.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace khe::auth::detail
