import { App } from 'aws-cdk-lib';
import { buildAtmLedger } from '../app.js';

buildAtmLedger(new App());
