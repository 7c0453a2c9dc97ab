/**
 * Members and their roles (PATCH /api/v1/org/members/<id>), and invitations: list, invite, withdraw.
 */

import { choose, chosen, el, select } from "../panel/views/form-kit.js";
import { button, cut, fill, li, load, run } from "./section-kit.js";

export const ROLES = [
  ["member", "Member"],
  ["admin", "Administrator"],
];
const roleName = (role) => (role === "admin" ? "an administrator" : "a member");

/** `me`: the administrator looking; `onMembers(members)` hears each list; `reload()` when they stop being an administrator. */
export function membersSection(section, client, { me, onMembers, reload }) {
  const doc = section.ownerDocument;
  const [memberList, invitationList] = section.querySelectorAll("ul");
  const form = section.querySelector("form");
  const badge = (text) => el(doc, "span", { className: "badge", text });

  function memberRow(member) {
    const role = select(doc, "role", ROLES, member.role);
    role.setAttribute("aria-label", `Role of ${member.email}`);
    role.addEventListener("change", async () => {
      const wanted = chosen(role);
      const saved = await run(section, () => client.setRole(member.id, wanted), `${member.email} is now ${roleName(wanted)}.`);
      if (saved) member.role = saved.role;
      choose(role, member.role);
      if (saved && member.id === me.id && member.role !== "admin") reload();
    });
    const you = member.id === me.id ? badge("you") : null;
    return li(doc, [cut(doc, member.name || member.email), cut(doc, member.email, "muted"), member.pending ? badge("not signed in yet") : you, role], {
      id: member.id,
    });
  }

  function invitationRow(invitation) {
    const withdraw = async () => {
      await client.withdrawInvitation(invitation.id);
      show(await client.invitations());
    };
    return li(doc, [
      cut(doc, invitation.email),
      el(doc, "span", { className: "muted", text: `as ${roleName(invitation.role)}` }),
      button(
        doc,
        "Withdraw",
        () => run(section, withdraw, `The invitation of ${invitation.email} is withdrawn.`),
        `Withdraw the invitation of ${invitation.email}`,
      ),
    ]);
  }

  function show({ members, invitations }) {
    if (members) {
      fill(memberList, members, memberRow, "No members.");
      onMembers(members);
    }
    if (invitations) fill(invitationList, invitations, invitationRow, "No open invitations.");
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = form.querySelector('[name="email"]');
    const email = input.value.trim();
    const invited = await run(
      section,
      async () => {
        await client.invite(email, chosen(form.querySelector('[name="role"]')));
        show(await client.invitations());
      },
      `${email} is invited: they join when they first sign in.`,
      form,
    );
    if (invited) input.value = "";
  });

  const both = async () => ({ ...(await client.members()), ...(await client.invitations()) });
  return { load: () => load(section, both, show) };
}
