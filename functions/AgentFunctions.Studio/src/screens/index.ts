// The one shared list of Studio screens: one import and one entry per screen (one file each under screens/).
import type { Screen } from './types';
import { meScreen } from './signin';

export const screens: Screen[] = [
  meScreen,
];
