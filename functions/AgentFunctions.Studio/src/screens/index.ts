// The one shared list of Studio screens: one import and one entry per screen (one file each under screens/).
import type { Screen } from './types';
import { meScreen } from './signin';
import { agentsScreen } from './agents';
import { agentNewScreen, agentScreen } from './agent';
import { agentChatScreen, chatScreen } from './chat';
import { agentRunsScreen, runScreen, runsScreen } from './runs';
import { toolsScreen } from './tools';
import { credentialsScreen } from './credentials';
import { triggersScreen, triggerScreen } from './triggers';
import { knowledgeScreen, knowledgeBaseScreen } from './knowledge';
import { usageScreen } from './usage';
import { adminScreen } from './admin';

export const screens: Screen[] = [
  meScreen,
  agentsScreen,
  agentNewScreen,
  agentScreen,
  chatScreen,
  agentChatScreen,
  runsScreen,
  agentRunsScreen,
  runScreen,
  toolsScreen,
  credentialsScreen,
  triggersScreen,
  triggerScreen,
  knowledgeScreen,
  knowledgeBaseScreen,
  usageScreen,
  adminScreen,
];
