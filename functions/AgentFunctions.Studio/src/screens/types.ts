import type { Api } from '../api';

/** GET /api/v1/me */
export interface Me {
  tenant_id: string;
  user: { id: string; email: string; display_name?: string | null; role: string; team_ids: string[]; disabled: boolean; created_at: string };
  key_id: string;
  effective_role: string;
  permissions: string[];
}

export interface ScreenContext {
  api: Api;
  me: Me;
  root: HTMLElement;
  params: Record<string, string>;
  query: URLSearchParams;
  navigate(path: string): void;
  can(permission: string): boolean;
}

export interface Screen {
  id: string;
  title: string;
  /** 'agents' | 'agents/:agentId' ... (hash route without '#/') */
  route: string;
  /** shown in the side nav */
  nav?: boolean;
  /** hidden when !can() */
  permission?: string;
  render(ctx: ScreenContext): Promise<void> | void;
}
