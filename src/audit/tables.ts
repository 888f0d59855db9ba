export interface AuditLogTable {
  id: string;
  account_id: string;
  actor_kind: 'subaccount' | 'user' | 'token' | 'system' | 'sso' | 'scim' | 'sso_setup';
  actor_id: string | null;
  /** Name at the time of the action, so the log stays readable after deletions. */
  actor_label: string;
  action: string;
  object_type: string;
  object_id: string | null;
  object_label: string | null;
  /** JSON object with the fields that changed. */
  detail: string;
  created_at: number;
}
