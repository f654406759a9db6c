// A real OpenID Connect provider for the test suite (npm "oidc-provider",
// pinned in package.json), on 127.0.0.1 only. One static client and a few test
// accounts; the development log-in form accepts any password for a known
// account. Never used outside tests.
//
//   OIDC_PORT=4010 OIDC_REDIRECT_URI=http://localhost:8000/inloggen/sso/terug \
//     node tests/oidc/provider.mjs
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT || 4010);
const issuer = `http://127.0.0.1:${port}`;
const accounts = {
  // Covered by the JGZ organisation's e-mail domain in the tests.
  anna: { email: "anna@jgz-test.nl", given_name: "Anna", family_name: "Jansen" },
  // Not covered: the organisation must refuse her.
  eve: { email: "eve@elders.example", given_name: "Eve", family_name: "Elders" },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID || "sociale-kaart",
      client_secret: process.env.OIDC_CLIENT_SECRET || "test-secret-not-for-production",
      redirect_uris: (process.env.OIDC_REDIRECT_URI || "").split(",").filter(Boolean),
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["given_name", "family_name"] },
  scopes: ["openid", "email", "profile"],
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email_verified: true, ...account };
      },
    };
  },
  // No consent screen: the organisation's own provider trusts its own app.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    grant.addOIDCClaims(["email", "email_verified", "given_name", "family_name"]);
    await grant.save();
    return grant;
  },
});
provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider ready at ${issuer}`);
});
