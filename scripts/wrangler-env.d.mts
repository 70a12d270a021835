export declare const quietWranglerEnv: NodeJS.ProcessEnv;
