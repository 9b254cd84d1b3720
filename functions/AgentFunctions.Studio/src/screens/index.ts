// The one shared list of Studio screens: one import and one entry per screen (one file each under screens/).
import type { Screen } from './types';
import { meScreen } from './signin';
import { agentsScreen } from './agents';
import { agentNewScreen, agentScreen } from './agent';
import { agentChatScreen, chatScreen } from './chat';
import { agentRunsScreen, runScreen, runsScreen } from './runs';

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
];
